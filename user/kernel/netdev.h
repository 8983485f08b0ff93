/* What offcap reads about a live interface, read-only: it never changes a
 * setting. What the file says about one is user/file/ifacts.h. */
#ifndef OFFCAP_NETDEV_H
#define OFFCAP_NETDEV_H

#include <stddef.h>
#include <stdint.h>

#include "ifacts.h"	/* struct oc_counters */

#define OC_FEATURES_MAX 128

struct oc_features {
	unsigned n;
	char name[OC_FEATURES_MAX][40];
	uint8_t on[OC_FEATURES_MAX];
	uint8_t fixed[OC_FEATURES_MAX];
};

struct oc_netdev {
	char name[64];		/* interface name */
	char netns_name[64];	/* "" = the namespace offcap was started in */
	int netns_fd;		/* open fd of that namespace, -1 for the current one */
	uint32_t netns_ino;	/* inode of the namespace */
	int ifindex;
	uint16_t hwtype;	/* ARPHRD_* */
	uint32_t mtu;
	char driver[32];
	int peer_ifindex;	/* veth peer (ethtool stats), 0 if none */
	char peer_name[64];	/* the peer, when it lives in the same namespace */
	uint32_t peer_mtu;	/* the veth peer's MTU and name, wherever it lives (0/"" unknown) */
	char peer_ifname[64];
	struct oc_features feat;
	struct oc_features peer_feat;
	struct oc_counters start;	/* counters when the capture started */
	int has_start;
	char bus_info[32];	/* ethtool's: "virtio2", "0000:00:04.0" */
	uint64_t virtio_features;	/* virtio-net: the feature bits it negotiated */
	int has_virtio_features;
};

/* What attaching XDP would do to a device, known before attaching: refuse (why:
 * offcap changes no setting to make it attach) or change what the device does
 * (effect codes, as the IDB's observer_effect records them). */
struct oc_xdp_outlook {
	int refuse;
	char why[400];
	char effect[80];
};
void oc_xdp_outlook(const struct oc_netdev *dev, struct oc_xdp_outlook *o);

/* Parses "IFACE" or "NETNS/IFACE" (default_ns applies to plain IFACE), enters
 * the namespace and fills dev. A negative errno, said with oc_err(), when it
 * cannot (-ENODEV: no such interface). */
int oc_netdev_open(struct oc_netdev *dev, const char *spec, const char *default_ns);
/* 1 for a device whose packets start at the IP header (tun, wireguard, ipip):
 * LINKTYPE_RAW in the file, DLT_RAW filters. */
int oc_netdev_is_l3(const struct oc_netdev *dev);
void oc_netdev_close(struct oc_netdev *dev);
/* Runs with the calling thread inside the device's namespace. */
int oc_netdev_enter(const struct oc_netdev *dev);
int oc_netdev_leave(void);
int oc_netdev_read_features(const struct oc_netdev *dev, struct oc_features *f);
int oc_netdev_read_peer_features(const struct oc_netdev *dev, struct oc_features *f);
/* 1 on, 0 off, -1 unknown: "rx-gro", "tx-tcp-segmentation", ... */
int oc_feature(const struct oc_features *f, const char *name);
/* The offload features a person cares about, as the interface block's
 * features= value records them (user/file/meta.h): "tso:on,gso:on,gro:off,..." */
size_t oc_features_summary(const struct oc_features *f, char *buf, size_t len);
/* Writes a line per feature that differs into buf; returns how many differ. */
int oc_features_diff(const struct oc_features *a, const struct oc_features *b,
		     char *buf, size_t len);

/* Reads the counters, entering the device's namespace. 0 on success. */
int oc_netdev_read_counters(const struct oc_netdev *dev, struct oc_counters *c);

#endif
