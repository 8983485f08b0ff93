#include "netdev.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

static int home_ns_fd = -1;	/* the namespace offcap started in */

static int ns_inode(int fd, uint32_t *ino)
{
	struct stat st;

	if (fstat(fd, &st))
		return -1;
	*ino = (uint32_t)st.st_ino;
	return 0;
}

int oc_netdev_enter(const struct oc_netdev *dev)
{
	if (home_ns_fd < 0)
		home_ns_fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (dev->netns_fd < 0)
		return 0;
	return setns(dev->netns_fd, CLONE_NEWNET);
}

int oc_netdev_leave(void)
{
	return home_ns_fd < 0 ? 0 : setns(home_ns_fd, CLONE_NEWNET);
}

static int ethtool(const char *ifname, void *cmd)
{
	struct ifreq ifr = { 0 };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), ret;

	if (fd < 0)
		return -1;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	ifr.ifr_data = cmd;
	ret = ioctl(fd, SIOCETHTOOL, &ifr);
	close(fd);
	return ret;
}

static int read_mtu(const char *ifname, uint32_t *mtu)
{
	struct ifreq ifr = { 0 };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), ret;

	if (fd < 0)
		return -1;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	ret = ioctl(fd, SIOCGIFMTU, &ifr);
	close(fd);
	if (!ret)
		*mtu = ifr.ifr_mtu;
	return ret;
}

/* The count of a string set, then its names. */
static int string_set(const char *ifname, uint32_t set, struct ethtool_gstrings **out)
{
	struct { struct ethtool_sset_info hdr; uint32_t len; } info = {
		.hdr = { .cmd = ETHTOOL_GSSET_INFO, .sset_mask = 1ULL << set },
	};
	struct ethtool_gstrings *s;

	if (ethtool(ifname, &info) || !info.hdr.sset_mask || info.len > 4096)
		return -1;
	s = calloc(1, sizeof(*s) + (size_t)info.len * ETH_GSTRING_LEN);
	if (!s)
		return -1;
	s->cmd = ETHTOOL_GSTRINGS;
	s->string_set = set;
	s->len = info.len;
	if (ethtool(ifname, s)) {
		free(s);
		return -1;
	}
	*out = s;
	return (int)info.len;
}

static int read_peer(const char *ifname)
{
	struct ethtool_gstrings *names = NULL;
	struct ethtool_stats *st;
	int n = string_set(ifname, ETH_SS_STATS, &names), peer = 0;

	if (n <= 0)
		return 0;
	st = calloc(1, sizeof(*st) + (size_t)n * sizeof(uint64_t));
	if (st) {
		st->cmd = ETHTOOL_GSTATS;
		st->n_stats = n;
		for (int i = 0; !ethtool(ifname, st) && i < n; i++)
			if (!strcmp((char *)names->data + i * ETH_GSTRING_LEN, "peer_ifindex"))
				peer = (int)st->data[i];
	}
	free(st);
	free(names);
	return peer;
}

static int read_features(const char *ifname, struct oc_features *f)
{
	struct ethtool_gstrings *names = NULL;
	struct ethtool_gfeatures *gf;
	int n = string_set(ifname, ETH_SS_FEATURES, &names), blocks, ret = -1;

	memset(f, 0, sizeof(*f));
	if (n <= 0)
		return -1;
	blocks = (n + 31) / 32;
	gf = calloc(1, sizeof(*gf) + blocks * sizeof(gf->features[0]));
	if (gf) {
		gf->cmd = ETHTOOL_GFEATURES;
		gf->size = blocks;
		if (!ethtool(ifname, gf)) {
			for (int i = 0; i < n && f->n < OC_FEATURES_MAX; i++) {
				uint32_t bit = 1u << (i % 32);
				const char *nm = (char *)names->data + i * ETH_GSTRING_LEN;

				if (!nm[0])
					continue;
				snprintf(f->name[f->n], sizeof(f->name[0]), "%.*s", ETH_GSTRING_LEN, nm);
				f->on[f->n] = !!(gf->features[i / 32].active & bit);
				f->fixed[f->n] = !(gf->features[i / 32].available & bit) ||
						 !!(gf->features[i / 32].never_changed & bit);
				f->n++;
			}
			ret = 0;
		}
	}
	free(gf);
	free(names);
	return ret;
}

int oc_netdev_read_features(const struct oc_netdev *dev, struct oc_features *f)
{
	return read_features(dev->name, f);
}

int oc_netdev_read_peer_features(const struct oc_netdev *dev, struct oc_features *f)
{
	return dev->peer_name[0] ? read_features(dev->peer_name, f) : -1;
}

/* The veth peer's name, if it lives in this namespace and points back at us. */
static void find_peer(struct oc_netdev *dev)
{
	char name[IF_NAMESIZE];

	/* the same index means the peer is in another namespace */
	if (dev->peer_ifindex <= 0 || dev->peer_ifindex == dev->ifindex ||
	    !if_indextoname((unsigned)dev->peer_ifindex, name) ||
	    read_peer(name) != dev->ifindex)
		return;
	snprintf(dev->peer_name, sizeof(dev->peer_name), "%s", name);
	read_features(name, &dev->peer_feat);
}

int oc_feature(const struct oc_features *f, const char *name)
{
	for (unsigned i = 0; i < f->n; i++)
		if (!strcmp(f->name[i], name))
			return f->on[i];
	return -1;
}

size_t oc_features_summary(const struct oc_features *f, char *buf, size_t len)
{
	static const struct { const char *kernel, *shown; } keys[] = {
		{ "tx-tcp-segmentation", "tso" }, { "tx-tcp6-segmentation", "tso6" },
		{ "tx-generic-segmentation", "gso" }, { "tx-udp-segmentation", "usO" },
		{ "rx-gro", "gro" }, { "rx-gro-hw", "gro-hw" }, { "rx-lro", "lro" },
		{ "tx-checksum-ip-generic", "tx-csum" }, { "tx-checksum-ipv4", "tx-csum4" },
		{ "rx-checksum", "rx-csum" }, { "rx-vlan-hw-parse", "rx-vlan-offload" },
		{ "tx-vlan-hw-insert", "tx-vlan-offload" }, { "tx-scatter-gather", "sg" },
	};
	size_t n = 0;

	if (len)
		buf[0] = '\0';
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]) && n < len; i++) {
		int on = oc_feature(f, keys[i].kernel);

		if (on < 0)
			continue;
		n += snprintf(buf + n, len - n, "%s%s=%s", n ? " " : "",
			      strcmp(keys[i].shown, "usO") ? keys[i].shown : "uso", on ? "on" : "off");
	}
	return n < len ? n : len;
}

int oc_features_diff(const struct oc_features *a, const struct oc_features *b,
		     char *buf, size_t len)
{
	size_t n = 0;
	int diffs = 0;

	if (len)
		buf[0] = '\0';
	/* grouped by transition: "off: tx-tcp-segmentation tx-tcp6-segmentation" */
	for (int to = 0; to <= 1; to++) {
		int first = 1;

		for (unsigned i = 0; i < a->n && i < b->n; i++) {
			if (a->on[i] == b->on[i] || b->on[i] != to || strcmp(a->name[i], b->name[i]))
				continue;
			diffs++;
			if (n < len)
				n += snprintf(buf + n, len - n, "%s%s", first ? (n ? "; now on: " : to ? "now on: " : "now off: ") : " ",
					      a->name[i]);
			first = 0;
		}
	}
	return diffs;
}

static int open_ns(const char *name, char *err, size_t errlen)
{
	char path[128];
	int fd;

	snprintf(path, sizeof(path), "/var/run/netns/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		snprintf(err, errlen, "network namespace '%s': %s (see 'ip netns list')",
			 name, strerror(errno));
	return fd;
}

int oc_netdev_open(struct oc_netdev *dev, const char *spec, const char *default_ns,
		   char *err, size_t errlen)
{
	const char *slash = strchr(spec, '/');
	const char *ifname = slash ? slash + 1 : spec;
	struct ethtool_drvinfo drv = { .cmd = ETHTOOL_GDRVINFO };
	int ret = -1;

	memset(dev, 0, sizeof(*dev));
	dev->netns_fd = -1;
	if (slash)
		snprintf(dev->netns_name, sizeof(dev->netns_name), "%.*s", (int)(slash - spec), spec);
	else if (default_ns)
		snprintf(dev->netns_name, sizeof(dev->netns_name), "%s", default_ns);
	if (!*ifname || strlen(ifname) >= IFNAMSIZ) {
		snprintf(err, errlen, "'%s' is not an interface name", spec);
		return -1;
	}
	snprintf(dev->name, sizeof(dev->name), "%s", ifname);
	if (dev->netns_name[0] && (dev->netns_fd = open_ns(dev->netns_name, err, errlen)) < 0)
		return -1;
	if (oc_netdev_enter(dev)) {
		snprintf(err, errlen, "cannot enter network namespace '%s': %s",
			 dev->netns_name, strerror(errno));
		goto out;
	}
	{
		int fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);

		if (fd >= 0) {
			ns_inode(fd, &dev->netns_ino);
			close(fd);
		}
	}
	dev->ifindex = (int)if_nametoindex(ifname);
	if (!dev->ifindex) {
		snprintf(err, errlen, "no interface '%s'%s%s", ifname,
			 dev->netns_name[0] ? " in network namespace " : "", dev->netns_name);
		goto leave;
	}
	read_mtu(ifname, &dev->mtu);
	if (!ethtool(ifname, &drv))
		snprintf(dev->driver, sizeof(dev->driver), "%s", drv.driver);
	if (!strcmp(dev->driver, "veth")) {
		dev->peer_ifindex = read_peer(ifname);
		find_peer(dev);
	}
	oc_netdev_read_features(dev, &dev->feat);
	ret = 0;
leave:
	oc_netdev_leave();
out:
	if (ret)
		oc_netdev_close(dev);
	return ret;
}

void oc_netdev_close(struct oc_netdev *dev)
{
	if (dev->netns_fd >= 0)
		close(dev->netns_fd);
	dev->netns_fd = -1;
}
