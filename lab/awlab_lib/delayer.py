#!/usr/bin/python3
"""Holds packets of one netfilter queue (NFQUEUE) for a delay, then lets them go.

The lab's `latency` fault: an iptables rule sends every packet addressed to a node to queue N
(`-j NFQUEUE --queue-num N --queue-bypass`); this process binds queue N over netlink and gives
each packet its ACCEPT verdict `delay +- jitter` milliseconds after the kernel queued it. The
packets wait inside the kernel; only their ids travel here. We use this instead of `tc netem`
because netem is not built into every kernel the lab runs on (the CI virtual machines have
none), while NFQUEUE is standard netfilter.

Started by awlab (lab/awlab_lib/netfaults.py) as
  delayer.py --queue N --delay-ms D --jitter-ms J --seed S --ready-file PATH
It writes PATH once the queue is bound. On SIGTERM/SIGINT it releases every held packet at once
and exits; if it dies anyway, `--queue-bypass` lets packets through unqueued. Standard library
only: the netlink messages are built with struct (linux/netfilter/nfnetlink_queue.h).
"""

import argparse
import errno
import heapq
import os
import random
import select
import signal
import socket
import struct
import sys
import time

NETLINK_NETFILTER = 12
SOL_NETLINK = 270
NETLINK_NO_ENOBUFS = 5
NLMSG_ERROR = 2
NLM_F_REQUEST = 1
NLM_F_ACK = 4
NFNL_SUBSYS_QUEUE = 3
NFQNL_MSG_PACKET = (NFNL_SUBSYS_QUEUE << 8) | 0
NFQNL_MSG_VERDICT = (NFNL_SUBSYS_QUEUE << 8) | 1
NFQNL_MSG_CONFIG = (NFNL_SUBSYS_QUEUE << 8) | 2
NFQA_PACKET_HDR = 1
NFQA_VERDICT_HDR = 2
NFQA_CFG_CMD = 1
NFQA_CFG_PARAMS = 2
NFQA_CFG_QUEUE_MAXLEN = 3
NFQA_CFG_MASK = 4
NFQA_CFG_FLAGS = 5
NFQNL_CFG_CMD_BIND = 1
NFQNL_COPY_META = 1
NFQA_CFG_F_FAIL_OPEN = 1
NF_ACCEPT = 1
QUEUE_MAXLEN = 8192


def attribute(kind, payload):
    length = 4 + len(payload)
    return struct.pack("=HH", length, kind) + payload + b"\0" * ((4 - length % 4) % 4)


def message(kind, flags, queue, attributes, seq=0):
    # nfgenmsg: family, version, res_id (big endian).
    body = struct.pack("=BB", socket.AF_UNSPEC, 0) + struct.pack(">H", queue) + attributes
    return struct.pack("=IHHII", 16 + len(body), kind, flags, seq, 0) + body


def check_ack(sock, what):
    data = sock.recv(65536)
    length, kind = struct.unpack_from("=IH", data, 0)
    if kind == NLMSG_ERROR:
        (code,) = struct.unpack_from("=i", data, 16)
        if code != 0:
            raise OSError(-code, "%s: %s" % (what, os.strerror(-code)))


def bind_queue(queue):
    sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_NETFILTER)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    sock.setsockopt(SOL_NETLINK, NETLINK_NO_ENOBUFS, 1)
    sock.bind((0, 0))
    command = struct.pack("=Bx", NFQNL_CFG_CMD_BIND) + struct.pack(">H", socket.AF_INET)
    sock.send(message(NFQNL_MSG_CONFIG, NLM_F_REQUEST | NLM_F_ACK, queue,
                      attribute(NFQA_CFG_CMD, command), seq=1))
    check_ack(sock, "bind queue %d" % queue)
    params = (attribute(NFQA_CFG_PARAMS, struct.pack(">IB", 0, NFQNL_COPY_META))
              + attribute(NFQA_CFG_QUEUE_MAXLEN, struct.pack(">I", QUEUE_MAXLEN))
              # A full queue lets packets through rather than dropping them: latency, not loss.
              + attribute(NFQA_CFG_FLAGS, struct.pack(">I", NFQA_CFG_F_FAIL_OPEN))
              + attribute(NFQA_CFG_MASK, struct.pack(">I", NFQA_CFG_F_FAIL_OPEN)))
    sock.send(message(NFQNL_MSG_CONFIG, NLM_F_REQUEST | NLM_F_ACK, queue, params, seq=2))
    check_ack(sock, "configure queue %d" % queue)
    return sock


def packet_ids(data):
    """Yields the packet id of every NFQNL_MSG_PACKET in one netlink read."""
    offset = 0
    while offset + 16 <= len(data):
        length, kind = struct.unpack_from("=IH", data, offset)
        if length < 16:
            return
        if kind == NFQNL_MSG_PACKET:
            position = offset + 20  # nlmsghdr + nfgenmsg
            end = offset + length
            while position + 4 <= end:
                attr_length, attr_kind = struct.unpack_from("=HH", data, position)
                if attr_length < 4:
                    break
                if attr_kind & 0x3FFF == NFQA_PACKET_HDR:
                    (packet_id,) = struct.unpack_from(">I", data, position + 4)
                    yield packet_id
                    break
                position += (attr_length + 3) & ~3
        offset += (length + 3) & ~3


def verdict(sock, queue, packet_id):
    sock.send(message(NFQNL_MSG_VERDICT, NLM_F_REQUEST, queue,
                      attribute(NFQA_VERDICT_HDR, struct.pack(">II", NF_ACCEPT, packet_id))))


def run(queue, delay_ms, jitter_ms, seed, ready_file):
    sock = bind_queue(queue)
    random_delay = random.Random(seed)
    stopping = []

    def stop(*_):
        stopping.append(True)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    with open(ready_file, "w") as handle:
        handle.write("%d\n" % os.getpid())
    held = []  # heap of (release time in monotonic seconds, packet id)
    while not stopping:
        timeout = max(0.0, held[0][0] - time.monotonic()) if held else 0.5
        try:
            readable, _, _ = select.select([sock], [], [], timeout)
        except InterruptedError:
            continue
        now = time.monotonic()
        if readable:
            try:
                data = sock.recv(1 << 20)
            except OSError as error:
                if error.errno in (errno.ENOBUFS, errno.EINTR, errno.EAGAIN):
                    continue
                raise
            for packet_id in packet_ids(data):
                wait = max(0.0, delay_ms + random_delay.uniform(-jitter_ms, jitter_ms)) / 1000.0
                heapq.heappush(held, (now + wait, packet_id))
        while held and held[0][0] <= time.monotonic():
            verdict(sock, queue, heapq.heappop(held)[1])
    for _, packet_id in held:  # healing: nothing stays behind
        verdict(sock, queue, packet_id)
    sock.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--queue", type=int, required=True)
    parser.add_argument("--delay-ms", type=float, required=True)
    parser.add_argument("--jitter-ms", type=float, default=0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--ready-file", required=True)
    parser.add_argument("--tag", help="cluster dir, so that `awlab down` finds this process")
    args = parser.parse_args()
    run(args.queue, args.delay_ms, args.jitter_ms, args.seed, args.ready_file)
    return 0


if __name__ == "__main__":
    sys.exit(main())
