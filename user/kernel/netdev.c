#include "netdev.h"

#include <net/if_arp.h>
#include "log.h"
#include "meta.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/ethtool.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
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

static int ifreq_get(const char *ifname, unsigned long req, struct ifreq *ifr)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), ret;

	if (fd < 0)
		return -1;
	snprintf(ifr->ifr_name, sizeof(ifr->ifr_name), "%s", ifname);
	ret = ioctl(fd, req, ifr);
	close(fd);
	return ret;
}

static int read_mtu(const char *ifname, uint32_t *mtu)
{
	struct ifreq ifr = { 0 };
	int ret = ifreq_get(ifname, SIOCGIFMTU, &ifr);

	if (!ret)
		*mtu = ifr.ifr_mtu;
	return ret;
}

/* The device's ARPHRD_* type (SIOCGIFHWADDR's address family). */
static int read_hwtype(const char *ifname, uint16_t *type)
{
	struct ifreq ifr = { 0 };
	int ret = ifreq_get(ifname, SIOCGIFHWADDR, &ifr);

	if (!ret)
		*type = ifr.ifr_hwaddr.sa_family;
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
		n += snprintf(buf + n, len - n, "%s%s:%s", n ? "," : "",
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

/* One RTM_GETLINK for ifindex (in the namespace with that id, or this one when
 * nsid < 0): its MTU, name and, for a veth, its peer's ifindex and namespace id. */
struct link_info {
	uint32_t mtu;
	int link, link_nsid;	/* IFLA_LINK, IFLA_LINK_NETNSID (-1 none) */
	char name[IF_NAMESIZE];
};

static void link_attrs(struct ifinfomsg *ifi, int len, struct link_info *li)
{
	struct rtattr *rta = IFLA_RTA(ifi);

	for (; RTA_OK(rta, len); rta = RTA_NEXT(rta, len)) {
		if (rta->rta_type == IFLA_MTU && RTA_PAYLOAD(rta) >= 4)
			li->mtu = *(uint32_t *)RTA_DATA(rta);
		else if (rta->rta_type == IFLA_LINK && RTA_PAYLOAD(rta) >= 4)
			li->link = *(int *)RTA_DATA(rta);
		else if (rta->rta_type == IFLA_LINK_NETNSID && RTA_PAYLOAD(rta) >= 4)
			li->link_nsid = *(int *)RTA_DATA(rta);
		else if (rta->rta_type == IFLA_IFNAME)
			snprintf(li->name, sizeof(li->name), "%.*s", (int)RTA_PAYLOAD(rta), (char *)RTA_DATA(rta));
	}
}

static int get_link(int ifindex, int nsid, struct link_info *li)
{
	struct {
		struct nlmsghdr nh;
		struct ifinfomsg ifi;
		char attrs[RTA_SPACE(4)];
	} req = {
		.nh = { .nlmsg_type = RTM_GETLINK, .nlmsg_flags = NLM_F_REQUEST, .nlmsg_seq = 1 },
		.ifi = { .ifi_family = AF_UNSPEC, .ifi_index = ifindex },
	};
	char buf[16384];
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE), n, ret = -1;
	struct nlmsghdr *nh = (struct nlmsghdr *)buf;

	if (fd < 0)
		return -1;
	req.nh.nlmsg_len = NLMSG_LENGTH(sizeof(req.ifi));
	if (nsid >= 0) {
		struct rtattr *rta = (struct rtattr *)((char *)&req + NLMSG_ALIGN(req.nh.nlmsg_len));

		rta->rta_type = IFLA_TARGET_NETNSID;
		rta->rta_len = RTA_LENGTH(4);
		memcpy(RTA_DATA(rta), &nsid, 4);
		req.nh.nlmsg_len = NLMSG_ALIGN(req.nh.nlmsg_len) + RTA_SPACE(4);
	}
	*li = (struct link_info){ .link_nsid = -1 };
	if (send(fd, &req, req.nh.nlmsg_len, 0) > 0 && (n = (int)recv(fd, buf, sizeof(buf), 0)) > 0 &&
	    NLMSG_OK(nh, (unsigned)n) && nh->nlmsg_type == RTM_NEWLINK) {
		link_attrs(NLMSG_DATA(nh), (int)IFLA_PAYLOAD(nh), li);
		ret = 0;
	}
	close(fd);
	return ret;
}

/* The veth peer's MTU and name, wherever it lives (netlink, read-only). */
static void read_peer_link(struct oc_netdev *dev)
{
	struct link_info me, peer;

	if (get_link(dev->ifindex, -1, &me) || me.link <= 0 ||
	    get_link(me.link, me.link_nsid, &peer) || !peer.mtu)
		return;
	dev->peer_mtu = peer.mtu;
	snprintf(dev->peer_ifname, sizeof(dev->peer_ifname), "%s", peer.name);
}

/* This thread's namespace's /proc/net/dev line of ifname. */
static int read_counters(const char *ifname, struct oc_counters *c)
{
	FILE *f = fopen("/proc/thread-self/net/dev", "r");
	char line[512];
	int ret = -1;

	if (!f)
		return -1;
	while (ret && fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':'), *name = line;
		unsigned long long v[16];

		if (!colon)
			continue;
		*colon = '\0';
		while (*name == ' ')
			name++;
		if (strcmp(name, ifname) || sscanf(colon + 1,
			"%llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu",
			&v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7],
			&v[8], &v[9], &v[10], &v[11]) != 12)
			continue;
		/* rx: bytes packets errs drop ...(8), tx: bytes packets errs drop */
		*c = (struct oc_counters){ .rx_errors = v[2], .rx_dropped = v[3],
					   .tx_errors = v[10], .tx_dropped = v[11] };
		ret = 0;
	}
	fclose(f);
	return ret;
}

int oc_netdev_read_counters(const struct oc_netdev *dev, struct oc_counters *c)
{
	int ret;

	if (oc_netdev_enter(dev))
		return -1;
	ret = read_counters(dev->name, c);
	oc_netdev_leave();
	return ret;
}

static int open_ns(const char *name)
{
	char path[128];
	int fd;

	snprintf(path, sizeof(path), "/var/run/netns/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return oc_fail(-errno, "network namespace '%s': %s (see 'ip netns list')",
			       name, strerror(errno));
	return fd;
}

/* ethtool's bus_info of virtio-net is its transport's (the PCI address), the
 * virtio device sits below it; the bus's view, unlike /sys/class/net's, does
 * not depend on the network namespace. */
static FILE *open_virtio_features(const char *bus)
{
	char path[384];
	struct dirent *e;
	FILE *f = NULL;
	DIR *d;

	snprintf(path, sizeof(path), "/sys/bus/virtio/devices/%s/features", bus);
	if ((f = fopen(path, "re")))
		return f;
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s", bus);
	if (!(d = opendir(path)))
		return NULL;
	while (!f && (e = readdir(d)))
		if (!strncmp(e->d_name, "virtio", 6)) {
			snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/%.64s/features", bus, e->d_name);
			f = fopen(path, "re");
		}
	closedir(d);
	return f;
}

static void read_virtio_features(struct oc_netdev *dev)
{
	char bits[130] = "";
	FILE *f;

	if (strchr(dev->bus_info, '/') || !dev->bus_info[0] || !(f = open_virtio_features(dev->bus_info)))
		return;
	if (fgets(bits, sizeof(bits), f))
		for (unsigned i = 0; i < 64 && (bits[i] == '0' || bits[i] == '1'); i++)
			dev->virtio_features |= (uint64_t)(bits[i] == '1') << i;
	dev->has_virtio_features = bits[0] == '0' || bits[0] == '1';
	fclose(f);
}

/* virtio-net feature bits (virtio 1.2, 5.1.3): what the host does for the guest's receive */
#define VIRTIO_GUEST_CSUM	(1ull << 1)
#define VIRTIO_CTRL_GUEST_OFFLOADS (1ull << 2)
#define VIRTIO_GUEST_OFFLOADS	(VIRTIO_GUEST_CSUM | 1ull << 7 | 1ull << 8 | 1ull << 9 | 1ull << 10 | \
				 1ull << 54 | 1ull << 55)	/* TSO4, TSO6, ECN, UFO, USO4, USO6 */

void oc_xdp_outlook(const struct oc_netdev *dev, struct oc_xdp_outlook *o)
{
	uint64_t f = dev->virtio_features;

	memset(o, 0, sizeof(*o));
	if (strcmp(dev->driver, "virtio_net") || !dev->has_virtio_features || !(f & VIRTIO_GUEST_OFFLOADS))
		return;
	if (f & VIRTIO_CTRL_GUEST_OFFLOADS) {
		snprintf(o->effect, sizeof(o->effect), "guest_offloads_off");
		return;
	}
	o->refuse = 1;
	snprintf(o->why, sizeof(o->why), "virtio-net refuses XDP while its host merges received frames and "
		 "checksums them for it (guest offloads negotiated without the control queue that switches "
		 "them off: \"disable GRO_HW first\"); offcap changes no device setting: use -p pre-gro, "
		 "which sees the frames the driver receives, before GRO");
}

int oc_netdev_open(struct oc_netdev *dev, const char *spec, const char *default_ns)
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
		return oc_fail(-EINVAL, "'%s' is not an interface name", spec);
	}
	snprintf(dev->name, sizeof(dev->name), "%s", ifname);
	if (dev->netns_name[0] && (dev->netns_fd = open_ns(dev->netns_name)) < 0) {
		ret = dev->netns_fd;
		dev->netns_fd = -1;
		return ret;
	}
	if (oc_netdev_enter(dev)) {
		ret = oc_fail(-errno, "cannot enter network namespace '%s': %s",
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
		ret = oc_fail(-ENODEV, "no interface '%s'%s%s", ifname,
			      dev->netns_name[0] ? " in network namespace " : "", dev->netns_name);
		goto leave;
	}
	read_mtu(ifname, &dev->mtu);
	dev->hwtype = 1;	/* ARPHRD_ETHER */
	read_hwtype(ifname, &dev->hwtype);
	if (!ethtool(ifname, &drv)) {
		snprintf(dev->driver, sizeof(dev->driver), "%s", drv.driver);
		snprintf(dev->bus_info, sizeof(dev->bus_info), "%s", drv.bus_info);
	}
	if (!strcmp(dev->driver, "virtio_net"))
		read_virtio_features(dev);
	if (!strcmp(dev->driver, "veth")) {
		dev->peer_ifindex = read_peer(ifname);
		find_peer(dev);
		read_peer_link(dev);
	}
	oc_netdev_read_features(dev, &dev->feat);
	dev->has_start = !read_counters(ifname, &dev->start);
	ret = 0;
leave:
	oc_netdev_leave();
out:
	if (ret)
		oc_netdev_close(dev);
	return ret;
}

int oc_netdev_is_l3(const struct oc_netdev *dev)
{
	switch (dev->hwtype) {
	case ARPHRD_NONE: case ARPHRD_TUNNEL: case ARPHRD_TUNNEL6: case ARPHRD_SIT:
	case ARPHRD_IPGRE: case 823 /* ARPHRD_IP6GRE */: case ARPHRD_RAWIP: case ARPHRD_PPP:
		return 1;
	}
	return 0;
}

void oc_netdev_close(struct oc_netdev *dev)
{
	if (dev->netns_fd >= 0)
		close(dev->netns_fd);
	dev->netns_fd = -1;
}
