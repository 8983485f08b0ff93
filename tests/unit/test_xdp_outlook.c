/* What attaching XDP does to a device, known before attaching (oc_xdp_outlook),
 * and how the interface block records it (xdp_mode, observer_effect). */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "meta.h"
#include "netdev.h"

#define BIT(n) (1ull << (n))

static struct oc_netdev dev(const char *driver, uint64_t virtio)
{
	struct oc_netdev d = { .has_virtio_features = 1, .virtio_features = virtio };

	snprintf(d.driver, sizeof(d.driver), "%s", driver);
	return d;
}

static void test_outlook(void)
{
	struct oc_xdp_outlook o;
	struct oc_netdev d;

	d = dev("virtio_net", BIT(0) | BIT(1) | BIT(2) | BIT(7) | BIT(8));	/* csum, guest csum, ctrl, TSO */
	oc_xdp_outlook(&d, &o);
	CHECK(!o.refuse && !strcmp(o.effect, "guest_offloads_off"),
	      "virtio-net with the control queue: attaches, the host's receive offloads go off");
	d = dev("virtio_net", BIT(0) | BIT(1) | BIT(7));
	oc_xdp_outlook(&d, &o);
	CHECK(o.refuse && strstr(o.why, "GRO_HW") && strstr(o.why, "pre-gro") && !o.effect[0],
	      "virtio-net without the control queue: refused, why and pre-gro instead");
	d = dev("virtio_net", BIT(0) | BIT(2));
	oc_xdp_outlook(&d, &o);
	CHECK(!o.refuse && !o.effect[0], "virtio-net without guest offloads: nothing changes");
	d = dev("virtio_net", 0);
	d.has_virtio_features = 0;
	oc_xdp_outlook(&d, &o);
	CHECK(!o.refuse && !o.effect[0], "features unknown: no guess");
	d = dev("e1000e", BIT(7));
	oc_xdp_outlook(&d, &o);
	CHECK(!o.refuse && !o.effect[0], "another driver: virtio bits mean nothing");
}

static void test_idb_keys(void)
{
	struct oc_idb_meta m = { .point = OC_POINT_XDP, .mtu = 1500 }, back;
	char descr[512];

	snprintf(m.ifname, sizeof(m.ifname), "nicb");
	snprintf(m.xdp_mode, sizeof(m.xdp_mode), "generic");
	snprintf(m.observer_effect, sizeof(m.observer_effect), "gro_skipped,rx-lro:off");
	oc_idb_descr(&m, NULL, descr, sizeof(descr));
	CHECK(strstr(descr, " xdp_mode=generic") && strstr(descr, " observer_effect=gro_skipped,rx-lro:off"),
	      "xdp_mode and observer_effect written");
	CHECK_EQ(oc_idb_parse("nicb@xdp", descr, &back), 1, "read back as offcap's contract");
	CHECK(!strcmp(back.xdp_mode, "generic") && !strcmp(back.observer_effect, "gro_skipped,rx-lro:off"),
	      "... with both keys");
	CHECK(oc_observer_effect_text("guest_offloads_off", 18) &&
	      strstr(oc_observer_effect_text("guest_offloads_off", 18), "ethtool -k still shows"),
	      "guest_offloads_off explained, with what ethtool does not show");
	CHECK(oc_observer_effect_text("rx-lro:off,x", 10) != NULL, "a code within a list");
	CHECK(oc_observer_effect_text("later_code", 10) == NULL, "a code not known: NULL");
}

int main(void)
{
	test_outlook();
	test_idb_keys();
	return check_done();
}
