/* What offcap reads about an interface, read-only: it never changes a setting. */
#ifndef OFFCAP_NETDEV_H
#define OFFCAP_NETDEV_H

#include <stddef.h>
#include <stdint.h>

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
	uint32_t mtu;
	char driver[32];
	int peer_ifindex;	/* veth peer (ethtool stats), 0 if none */
	char peer_name[64];	/* the peer, when it lives in the same namespace */
	struct oc_features feat;
	struct oc_features peer_feat;
};

/* Parses "IFACE" or "NETNS/IFACE" (default_ns applies to plain IFACE), enters
 * the namespace and fills dev. -1 with a message in err. */
int oc_netdev_open(struct oc_netdev *dev, const char *spec, const char *default_ns,
		   char *err, size_t errlen);
void oc_netdev_close(struct oc_netdev *dev);
/* Runs with the calling thread inside the device's namespace. */
int oc_netdev_enter(const struct oc_netdev *dev);
int oc_netdev_leave(void);
int oc_netdev_read_features(const struct oc_netdev *dev, struct oc_features *f);
int oc_netdev_read_peer_features(const struct oc_netdev *dev, struct oc_features *f);
/* 1 on, 0 off, -1 unknown: "rx-gro", "tx-tcp-segmentation", ... */
int oc_feature(const struct oc_features *f, const char *name);
/* "tso=on gso=on gro=off ..." of the offload features a person cares about */
size_t oc_features_summary(const struct oc_features *f, char *buf, size_t len);
/* Writes a line per feature that differs into buf; returns how many differ. */
int oc_features_diff(const struct oc_features *a, const struct oc_features *b,
		     char *buf, size_t len);

#endif
