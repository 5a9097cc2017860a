# corral-rootfs: sets up a container with a root filesystem of its own. Run by the launcher (through unshare, in new
# mount, pid, uts and ipc namespaces, as the new pid namespace's first process) as
#   /bin/sh -c "<this script>" corral-rootfs <rootfs> <hostname> <rootfs/dev> <rootfs/proc>
#       [<host path> <mount point> ro|rw]... -- <command entering the root...>
# The agent resolved every mount point inside the root filesystem beforehand (no link in the image leads out), and
# the mount namespace is private: nothing mounted here is seen by the host, and it all goes away with the container.
# A failure exits 125 with the reason in the task's stderr. The task's own PATH is restored before the exec.
task_path=$PATH
PATH=/usr/sbin:/usr/bin:/sbin:/bin
fail() {
    echo "corral: cannot set up the container: $*" >&2
    exit 125
}
rootfs=$1
hostname=$2
dev=$3
proc=$4
shift 4
mount -t tmpfs -o nosuid,noexec,mode=755,size=65536k tmpfs "$dev" || fail "mounting /dev"
for device in null zero full random urandom tty; do
    : >"$dev/$device" && mount --bind "/dev/$device" "$dev/$device" || fail "binding /dev/$device"
done
mkdir "$dev/shm" "$dev/pts" || fail "creating /dev/shm"
mount -t tmpfs -o nosuid,nodev,mode=1777 tmpfs "$dev/shm" || fail "mounting /dev/shm"
ln -s /proc/self/fd "$dev/fd" && ln -s /proc/self/fd/0 "$dev/stdin" && ln -s /proc/self/fd/1 "$dev/stdout" \
    && ln -s /proc/self/fd/2 "$dev/stderr" || fail "linking /dev/fd"
mount -t proc -o nosuid,nodev,noexec proc "$proc" || fail "mounting /proc"
while [ "$#" -gt 0 ] && [ "$1" != "--" ]; do
    mount --rbind "$1" "$2" || fail "mounting $1 at ${2#"$rootfs"}"
    if [ "$3" = ro ]; then
        mount -o remount,bind,ro "$2" || fail "making ${2#"$rootfs"} read-only"
    fi
    shift 3
done
shift
echo "$hostname" >/proc/sys/kernel/hostname || fail "setting the hostname"
PATH=$task_path
export PATH
exec "$@"
