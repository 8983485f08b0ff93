#!/usr/bin/env bash
# capture_kernel.sh with the variants of kernels older than this one's best:
# tc without bpf_cast_to_kern_ctx (< 6.2), linear XDP (< 5.18), post-gso
# without skb dynptr (< 6.12), one program copy per namespace.
export OFFCAP_DISABLE=kern_ctx,trace_dynptr,xdp_frags
source "$(dirname "$0")/capture_kernel.sh"
