// SPDX-License-Identifier: GPL-2.0
/* Test fixture: puts VLAN 100 on every packet as an offloaded (hwaccel) tag,
 * the way a VLAN device on a NIC with tx-vlan offload would. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

SEC("tc")
int vlan_push(struct __sk_buff *skb)
{
	bpf_skb_vlan_push(skb, bpf_htons(0x8100), 100);
	return -1;	/* TC_ACT_UNSPEC: carry on */
}

char LICENSE[] SEC("license") = "GPL";
