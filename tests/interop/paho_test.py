#!/usr/bin/env python3
"""Interop suite: Eclipse Paho Python (paho-mqtt 2.x) against a running midge broker.

Usage: MIDGE_PORT=1883 python paho_test.py
Prints one line per check: "ok - <name>" or "FAIL - <name>: <why>", then a
summary line; exits non-zero if any check failed.

Every wait has a timeout; rule ids in comments are MQTT 5.0 unless marked 3.1.1
(texts in shared/spec/).
"""

import os
import socket
import sys
import threading
import time
import traceback
import unittest
import uuid

import paho.mqtt.client as mqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode
from paho.mqtt.subscribeoptions import SubscribeOptions

HOST = "127.0.0.1"
PORT = int(os.environ["MIDGE_PORT"])
V5 = mqtt.MQTTv5
V311 = mqtt.MQTTv311
WAIT = 5.0  # seconds: default upper bound for any single wait
RUN = uuid.uuid4().hex[:8]  # unique topics and client ids for this run


def topic(name):
    return f"interop/paho/{RUN}/{name}"


def cid(name):
    return f"interop-paho-{RUN}-{name}"


def props(packet_type, **values):
    p = Properties(packet_type)
    for k, v in values.items():
        setattr(p, k, v)
    return p


class Peer:
    """One paho client with its network thread and recorded events."""

    def __init__(self, client_id="", protocol=V5, clean_session=None):
        self.protocol = protocol
        kwargs = {}
        if protocol != V5:
            kwargs["clean_session"] = True if clean_session is None else clean_session
        self.c = mqtt.Client(
            mqtt.CallbackAPIVersion.VERSION2,
            client_id=client_id,
            protocol=protocol,
            reconnect_on_failure=False,
            **kwargs,
        )
        self.cond = threading.Condition()
        self.messages = []
        self.connack = None  # (reason_code, session_present, properties)
        self.subacks = {}  # mid -> list of ReasonCode
        self.disconnects = []  # (reason_code, properties)
        self.c.on_connect = self._on_connect
        self.c.on_message = self._on_message
        self.c.on_subscribe = self._on_subscribe
        self.c.on_disconnect = self._on_disconnect

    # callbacks (network thread)
    def _on_connect(self, client, userdata, flags, reason_code, properties):
        with self.cond:
            self.connack = (reason_code, flags.session_present, properties)
            self.cond.notify_all()

    def _on_message(self, client, userdata, msg):
        with self.cond:
            self.messages.append(msg)
            self.cond.notify_all()

    def _on_subscribe(self, client, userdata, mid, reason_codes, properties):
        with self.cond:
            self.subacks[mid] = reason_codes
            self.cond.notify_all()

    def _on_disconnect(self, client, userdata, flags, reason_code, properties):
        with self.cond:
            self.disconnects.append((reason_code, properties))
            self.cond.notify_all()

    def _wait(self, pred, timeout, what):
        deadline = time.monotonic() + timeout
        with self.cond:
            while not pred():
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"timed out after {timeout}s waiting for {what}")
                self.cond.wait(left)

    # actions
    def connect(self, clean_start=True, properties=None, expect_ok=True, timeout=WAIT):
        self.connack = None
        if self.protocol == V5:
            self.c.connect(HOST, PORT, keepalive=30, clean_start=clean_start, properties=properties)
        else:
            self.c.connect(HOST, PORT, keepalive=30)
        self.c.loop_start()
        self._wait(lambda: self.connack is not None, timeout, "CONNACK")
        rc, present, cprops = self.connack
        if expect_ok and rc.is_failure:
            raise AssertionError(f"CONNACK refused: {rc} ({int(rc.value):#x})")
        return rc, present, cprops

    def subscribe(self, filt, qos=1, options=None, properties=None, expect_ok=True):
        if self.protocol == V5:
            opts = options or SubscribeOptions(qos=qos)
            result, mid = self.c.subscribe(filt, options=opts, properties=properties)
        else:
            result, mid = self.c.subscribe(filt, qos)
        assert result == mqtt.MQTT_ERR_SUCCESS, f"subscribe not sent: {result}"
        self._wait(lambda: mid in self.subacks, WAIT, f"SUBACK for {filt}")
        codes = self.subacks[mid]
        if expect_ok:
            for rc in codes:
                if rc.is_failure:
                    raise AssertionError(f"SUBACK refused {filt}: {rc} ({int(rc.value):#x})")
        return codes

    def publish(self, t, payload, qos=1, retain=False, properties=None, timeout=WAIT):
        info = self.c.publish(t, payload, qos=qos, retain=retain, properties=properties)
        if qos > 0:
            info.wait_for_publish(timeout)
            if not info.is_published():
                raise AssertionError(f"publish to {t} (QoS {qos}) not acknowledged in {timeout}s")
        return info

    def wait_messages(self, n, timeout=WAIT):
        self._wait(lambda: len(self.messages) >= n, timeout,
                   f"{n} message(s) (got {len(self.messages)})")
        with self.cond:
            return list(self.messages)

    def quiet(self, seconds):
        """Waits, then returns all messages received so far."""
        time.sleep(seconds)
        with self.cond:
            return list(self.messages)

    def wait_disconnect(self, timeout=WAIT):
        self._wait(lambda: self.disconnects, timeout, "the connection to close")
        return self.disconnects[0]

    def disconnect(self, reasoncode=None, properties=None):
        self.c.disconnect(reasoncode=reasoncode, properties=properties)
        try:
            self._wait(lambda: self.disconnects, WAIT, "disconnect")
        finally:
            self.c.loop_stop()

    def drop(self):
        """Closes the network connection without sending DISCONNECT."""
        sock = self.c.socket()
        sock.shutdown(socket.SHUT_RDWR)
        self._wait(lambda: self.disconnects, WAIT, "local close")
        self.c.loop_stop()

    def close(self):
        """Best-effort teardown for tests that failed midway."""
        try:
            if self.c.is_connected():
                self.c.disconnect()
            self.c.loop_stop()
        except Exception:
            pass


class Base(unittest.TestCase):
    def setUp(self):
        self.peers = []

    def tearDown(self):
        for p in self.peers:
            p.close()

    def peer(self, *args, **kwargs):
        p = Peer(*args, **kwargs)
        self.peers.append(p)
        return p

    def connected(self, client_id="", protocol=V5, **kw):
        clean_session = kw.pop("clean_session", None)
        p = self.peer(client_id, protocol, clean_session)
        p.connect(**kw)
        return p


class PersistentSessions(Base):
    def test_v5_session_present_and_queued_qos1(self):
        """v5 persistent session: session present on reconnect, queued QoS 1 delivered in order"""
        t, c = topic("persist5"), cid("persist5")
        expiry = props(PacketTypes.CONNECT, SessionExpiryInterval=300)
        a = self.peer(c)
        _, present, _ = a.connect(clean_start=True, properties=expiry)
        self.assertFalse(present, "session present on a clean start [MQTT-3.2.2-2]")
        a.subscribe(t, qos=1)
        a.disconnect()

        pub = self.connected()
        for i in range(3):
            pub.publish(t, f"queued {i}", qos=1)

        a2 = self.peer(c)
        _, present, _ = a2.connect(clean_start=False, properties=expiry)
        self.assertTrue(present, "session present must be 1 when resuming a session [MQTT-3.2.2-3]")
        msgs = a2.wait_messages(3)
        self.assertEqual([m.payload for m in msgs], [b"queued 0", b"queued 1", b"queued 2"])
        self.assertTrue(all(m.qos == 1 for m in msgs), [m.qos for m in msgs])
        # end the session: Session Expiry 0 on DISCONNECT
        a2.disconnect(properties=props(PacketTypes.DISCONNECT, SessionExpiryInterval=0))
        a3 = self.peer(c)
        _, present, _ = a3.connect(clean_start=False, properties=expiry)
        self.assertFalse(present, "session must end when DISCONNECT sets Session Expiry Interval 0 [MQTT-3.2.2-3]")
        a3.disconnect(properties=props(PacketTypes.DISCONNECT, SessionExpiryInterval=0))

    def test_v5_clean_start_discards_session(self):
        """v5 clean start discards a stored session and its queued messages"""
        t, c = topic("clean5"), cid("clean5")
        expiry = props(PacketTypes.CONNECT, SessionExpiryInterval=300)
        a = self.connected(c, clean_start=True, properties=expiry)
        a.subscribe(t, qos=1)
        a.disconnect()
        self.connected().publish(t, "stale", qos=1)
        a2 = self.peer(c)
        _, present, _ = a2.connect(clean_start=True, properties=expiry)
        self.assertFalse(present, "session present after clean start [MQTT-3.2.2-2]")
        self.assertEqual(a2.quiet(0.5), [], "queued message of a discarded session delivered")
        a2.disconnect(properties=props(PacketTypes.DISCONNECT, SessionExpiryInterval=0))

    def test_v5_session_expiry_elapses(self):
        """v5 session expires after its Session Expiry Interval"""
        c = cid("expire5")
        a = self.connected(c, properties=props(PacketTypes.CONNECT, SessionExpiryInterval=1))
        a.subscribe(topic("expire5"), qos=1)
        a.disconnect()
        time.sleep(2.2)
        a2 = self.peer(c)
        _, present, _ = a2.connect(clean_start=False,
                                   properties=props(PacketTypes.CONNECT, SessionExpiryInterval=0))
        self.assertFalse(present, "session still present 2.2 s after a 1 s Session Expiry Interval [MQTT-3.2.2-3]")
        a2.disconnect()

    def test_v311_session_present_and_queued(self):
        """v3.1.1 clean session 0: session present on reconnect, queued QoS 1 and 2 delivered"""
        t, c = topic("persist311"), cid("persist311")
        a = self.peer(c, V311, clean_session=False)
        a.connect()
        a.subscribe(t, qos=2)
        a.disconnect()
        pub = self.connected(protocol=V311)
        pub.publish(t, "q1", qos=1)
        pub.publish(t, "q2", qos=2)
        a2 = self.peer(c, V311, clean_session=False)
        _, present, _ = a2.connect()
        self.assertTrue(present, "3.1.1 session present must be 1 [MQTT-3.2.2-2 (3.1.1)]")
        msgs = a2.wait_messages(2)
        self.assertEqual([(m.payload, m.qos) for m in msgs], [(b"q1", 1), (b"q2", 2)])
        a2.disconnect()
        # a clean-session connection discards the stored session
        a3 = self.peer(c, V311, clean_session=True)
        _, present, _ = a3.connect()
        self.assertFalse(present, "3.1.1 clean session must report session present 0 [MQTT-3.2.2-1 (3.1.1)]")
        a3.disconnect()

    def test_v5_session_takeover(self):
        """v5 second connection with the same client id takes over (old one gets DISCONNECT 0x8E)"""
        c = cid("takeover")
        a = self.connected(c)
        b = self.connected(c)
        rc, _ = a.wait_disconnect()
        self.assertEqual(int(rc.value), 0x8E,
                         f"old connection closed with {rc}, expected 0x8E Session taken over [MQTT-3.1.4-3]")
        self.assertTrue(b.c.is_connected())
        b.disconnect()


class Wills(Base):
    def _will_watcher(self, name, protocol=V5):
        w = self.connected(protocol=protocol)
        w.subscribe(topic(name) + "/#", qos=1)
        return w

    def test_v5_will_on_network_drop(self):
        """v5 will published on network drop, with its properties"""
        w = self._will_watcher("will5")
        a = self.peer(cid("will5"))
        wp = props(PacketTypes.WILLMESSAGE, ContentType="text/plain",
                   UserProperty=[("reason", "dropped"), ("n", "1")])
        a.c.will_set(topic("will5") + "/status", "offline", qos=1, properties=wp)
        a.connect()
        a.drop()
        m = w.wait_messages(1)[0]
        self.assertEqual((m.topic, m.payload, m.qos), (topic("will5") + "/status", b"offline", 1))
        p = m.properties
        self.assertEqual(getattr(p, "ContentType", None), "text/plain")
        self.assertEqual(getattr(p, "UserProperty", None), [("reason", "dropped"), ("n", "1")],
                         "will user properties in order [MQTT-3.1.3-10]")

    def test_v311_will_on_network_drop(self):
        """v3.1.1 will published on network drop"""
        w = self._will_watcher("will311", V311)
        a = self.peer(cid("will311"), V311)
        a.c.will_set(topic("will311") + "/status", "offline", qos=1)
        a.connect()
        a.drop()
        m = w.wait_messages(1)[0]
        self.assertEqual((m.topic, m.payload), (topic("will311") + "/status", b"offline"))

    def test_v5_no_will_on_normal_disconnect(self):
        """v5 will not published on a normal DISCONNECT (0x00)"""
        w = self._will_watcher("nowill5")
        a = self.peer(cid("nowill5"))
        a.c.will_set(topic("nowill5") + "/status", "offline", qos=1)
        a.connect()
        a.disconnect()
        self.assertEqual([m.payload for m in w.quiet(0.7)], [],
                         "will published after a normal disconnect [MQTT-3.14.4-3]")

    def test_v5_disconnect_with_will_message(self):
        """v5 DISCONNECT with reason 0x04 publishes the will"""
        w = self._will_watcher("will04")
        a = self.peer(cid("will04"))
        a.c.will_set(topic("will04") + "/status", "asked", qos=1)
        a.connect()
        a.disconnect(reasoncode=ReasonCode(PacketTypes.DISCONNECT, "Disconnect with will message"))
        m = w.wait_messages(1)[0]
        self.assertEqual(m.payload, b"asked")

    def test_v5_will_delay_interval(self):
        """v5 Will Delay Interval: will published after the delay, not before"""
        w = self._will_watcher("willdelay")
        a = self.peer(cid("willdelay"))
        a.c.will_set(topic("willdelay") + "/status", "late", qos=1,
                     properties=props(PacketTypes.WILLMESSAGE, WillDelayInterval=2))
        a.connect(properties=props(PacketTypes.CONNECT, SessionExpiryInterval=60))
        t0 = time.monotonic()
        a.drop()
        self.assertEqual(w.quiet(1.0), [], "will published before its delay")
        m = w.wait_messages(1, timeout=4)[0]
        elapsed = time.monotonic() - t0
        self.assertEqual(m.payload, b"late")
        self.assertGreaterEqual(elapsed, 1.5, f"will arrived after {elapsed:.2f}s, delay was 2 s")
        # clean up the session
        self.connected(cid("willdelay"), properties=props(PacketTypes.CONNECT, SessionExpiryInterval=0)).disconnect()

    def test_v5_will_delay_reconnect_cancels(self):
        """v5 reconnect within the Will Delay Interval cancels the will"""
        w = self._will_watcher("willcancel")
        c = cid("willcancel")
        a = self.peer(c)
        a.c.will_set(topic("willcancel") + "/status", "must not", qos=1,
                     properties=props(PacketTypes.WILLMESSAGE, WillDelayInterval=2))
        a.connect(properties=props(PacketTypes.CONNECT, SessionExpiryInterval=60))
        a.drop()
        time.sleep(0.3)
        b = self.peer(c)
        _, present, _ = b.connect(clean_start=False,
                                  properties=props(PacketTypes.CONNECT, SessionExpiryInterval=60))
        self.assertTrue(present, "session not present on reconnect")
        self.assertEqual([m.payload for m in w.quiet(2.7)], [], "will sent although the session reconnected [MQTT-3.1.3-9]")
        b.disconnect(properties=props(PacketTypes.DISCONNECT, SessionExpiryInterval=0))


class SharedSubscriptions(Base):
    def test_v5_shared_subscription(self):
        """v5 shared subscription: each message to exactly one group member, both get some"""
        t = topic("shared/t")
        a, b = self.connected(cid("sha")), self.connected(cid("shb"))
        for p in (a, b):
            p.subscribe(f"$share/g{RUN}/{t}", qos=1)
        plain = self.connected(cid("shplain"))
        plain.subscribe(t, qos=1)
        pub = self.connected()
        n = 40
        for i in range(n):
            pub.publish(t, str(i), qos=1)
        plain.wait_messages(n)
        deadline = time.monotonic() + WAIT
        while len(a.messages) + len(b.messages) < n and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.3)  # let duplicates, if any, arrive
        ga = [int(m.payload) for m in a.messages]
        gb = [int(m.payload) for m in b.messages]
        for m in a.messages + b.messages:
            self.assertEqual(m.topic, t, "shared delivery must carry the publish topic, not $share/...")
        both = sorted(ga + gb)
        self.assertEqual(both, list(range(n)),
                         f"group got {len(both)} deliveries for {n} messages "
                         f"(a={len(ga)}, b={len(gb)}, dups={sorted(set(x for x in both if both.count(x) > 1))})")
        self.assertTrue(ga and gb, f"one member got nothing: a={len(ga)}, b={len(gb)}")
        self.assertEqual(sorted(int(m.payload) for m in plain.messages), list(range(n)),
                         "a non-shared subscriber on the same topic must get every message")


class Properties5(Base):
    def test_v5_publish_properties_round_trip(self):
        """v5 PUBLISH properties forwarded unaltered (user properties in order)"""
        t = topic("props")
        s = self.connected()
        s.subscribe(t, qos=1)
        pub = self.connected()
        up = [("z", "1"), ("a", "2"), ("z", "3"), ("ünï", "cödé")]
        pp = props(PacketTypes.PUBLISH, UserProperty=up, ResponseTopic=topic("props/reply"),
                   CorrelationData=b"\x00\x01corr\xff", ContentType="application/json; charset=utf-8",
                   PayloadFormatIndicator=1, MessageExpiryInterval=60)
        pub.publish(t, '{"ok": true}', qos=1, properties=pp)
        m = s.wait_messages(1)[0]
        p = m.properties
        self.assertEqual(m.payload, b'{"ok": true}')
        self.assertEqual(getattr(p, "UserProperty", None), up, "user properties unaltered and in order [MQTT-3.3.2-17/18]")
        self.assertEqual(getattr(p, "ResponseTopic", None), topic("props/reply"))
        self.assertEqual(getattr(p, "CorrelationData", None), b"\x00\x01corr\xff")
        self.assertEqual(getattr(p, "ContentType", None), "application/json; charset=utf-8")
        self.assertEqual(getattr(p, "PayloadFormatIndicator", None), 1)
        exp = getattr(p, "MessageExpiryInterval", None)
        self.assertIsNotNone(exp, "Message Expiry Interval dropped [MQTT-3.3.2-6]")
        self.assertTrue(55 <= exp <= 60, f"Message Expiry Interval {exp}, sent 60")

    def test_v5_properties_reach_v311_subscriber_without_properties(self):
        """v5 publish with properties reaches a v3.1.1 subscriber (payload intact)"""
        t = topic("props311")
        s = self.connected(protocol=V311)
        s.subscribe(t, qos=1)
        pub = self.connected()
        pub.publish(t, "hello", qos=1,
                    properties=props(PacketTypes.PUBLISH, UserProperty=[("k", "v")], ContentType="text/plain"))
        m = s.wait_messages(1)[0]
        self.assertEqual((m.topic, m.payload, m.qos), (t, b"hello", 1))

    def test_v5_request_response(self):
        """v5 request/response: responder answers on ResponseTopic with the CorrelationData"""
        req_t, resp_t = topic("rr/request"), topic("rr/response")
        responder = self.connected(cid("responder"))

        def answer(client, userdata, msg):
            responder._on_message(client, userdata, msg)
            rp = props(PacketTypes.PUBLISH, CorrelationData=msg.properties.CorrelationData)
            client.publish(msg.properties.ResponseTopic, b"re:" + msg.payload, qos=1, properties=rp)

        responder.c.on_message = answer
        responder.subscribe(req_t, qos=1)
        requester = self.connected(cid("requester"))
        requester.subscribe(resp_t, qos=1)
        sent = {}
        for i in range(5):
            corr = uuid.uuid4().bytes
            sent[corr] = f"question {i}".encode()
            requester.publish(req_t, sent[corr], qos=1,
                              properties=props(PacketTypes.PUBLISH, ResponseTopic=resp_t, CorrelationData=corr))
        msgs = requester.wait_messages(5)
        got = {m.properties.CorrelationData: m.payload for m in msgs}
        self.assertEqual(got, {k: b"re:" + v for k, v in sent.items()})

    def test_v5_subscription_identifiers(self):
        """v5 subscription identifiers sent with matching messages"""
        s = self.connected()
        _, _, cprops = s.connack
        self.assertNotEqual(getattr(cprops, "SubscriptionIdentifierAvailable", 1), 0,
                            "broker says Subscription Identifiers are not available")
        base = topic("subid")
        s.subscribe(base + "/a/+", qos=1, properties=props(PacketTypes.SUBSCRIBE, SubscriptionIdentifier=7))
        s.subscribe(base + "/+/x", qos=1, properties=props(PacketTypes.SUBSCRIBE, SubscriptionIdentifier=300000))
        s.subscribe(base + "/none", qos=1)
        pub = self.connected()
        pub.publish(base + "/a/y", "only7", qos=1)
        pub.publish(base + "/b/x", "only300000", qos=1)
        pub.publish(base + "/none", "noid", qos=1)
        msgs = s.wait_messages(3)
        ids = {m.payload: getattr(m.properties, "SubscriptionIdentifier", None) for m in msgs}
        self.assertEqual(ids[b"only7"], [7], "[MQTT-3.3.4-3]")
        self.assertEqual(ids[b"only300000"], [300000], "[MQTT-3.3.4-3]")
        self.assertIsNone(ids[b"noid"], "identifier sent for a subscription that had none")
        # overlapping: one copy with both ids [MQTT-3.3.4-4], or one copy per
        # subscription, each with its own id [MQTT-3.3.4-5]
        pub.publish(base + "/a/x", "both", qos=1)
        s.wait_messages(4)
        both = [m for m in s.quiet(0.4) if m.payload == b"both"]
        got = sorted(i for m in both for i in getattr(m.properties, "SubscriptionIdentifier", []))
        self.assertEqual(got, [7, 300000], f"{len(both)} copies with identifiers {got}")
        if len(both) == 2:
            for m in both:
                self.assertEqual(len(m.properties.SubscriptionIdentifier), 1)

    def test_v5_no_local(self):
        """v5 No Local: own publications not delivered back, others' are"""
        t = topic("nolocal")
        me = self.connected(cid("nolocal-me"))
        me.subscribe(t, options=SubscribeOptions(qos=1, noLocal=True))
        other = self.connected(cid("nolocal-other"))
        other.subscribe(t, qos=1)
        me.publish(t, "from me", qos=1)
        other.wait_messages(1)
        other.publish(t, "from other", qos=1)
        got = [m.payload for m in me.quiet(0.5)]
        self.assertEqual(got, [b"from other"], "[MQTT-3.8.3-3]")

    def test_v5_retain_handling(self):
        """v5 Retain Handling 0/1/2 and Retain As Published"""
        t = topic("rh/t")
        pub = self.connected()
        pub.publish(t, "retained", qos=1, retain=True)
        try:
            s0 = self.connected()
            s0.subscribe(t, options=SubscribeOptions(qos=1, retainHandling=0))
            m = s0.wait_messages(1)[0]
            self.assertEqual((m.payload, m.retain), (b"retained", True), "RH 0 [MQTT-3.3.1-9]")
            s0.subscribe(t, options=SubscribeOptions(qos=1, retainHandling=0))
            s0.wait_messages(2)  # RH 0 sends again on a re-subscribe

            s1 = self.connected()
            s1.subscribe(t, options=SubscribeOptions(qos=1, retainHandling=1))
            self.assertEqual([m.payload for m in s1.wait_messages(1)], [b"retained"],
                             "RH 1, new subscription: retained sent (3.3.1.3)")
            s1.subscribe(t, options=SubscribeOptions(qos=1, retainHandling=1))
            self.assertEqual(len(s1.quiet(0.5)), 1, "RH 1, existing subscription: retained must not be sent again (3.3.1.3)")

            s2 = self.connected()
            s2.subscribe(t, options=SubscribeOptions(qos=1, retainHandling=2))
            self.assertEqual(s2.quiet(0.5), [], "RH 2: retained must not be sent [MQTT-3.3.1-11]")

            rap = self.connected()
            rap.subscribe(t, options=SubscribeOptions(qos=1, retainHandling=2, retainAsPublished=True))
            norap = self.connected()
            norap.subscribe(t, options=SubscribeOptions(qos=1, retainHandling=2, retainAsPublished=False))
            pub.publish(t, "live", qos=1, retain=True)
            m1 = rap.wait_messages(1)[0]
            m2 = norap.wait_messages(1)[0]
            self.assertEqual((m1.payload, m1.retain), (b"live", True), "RAP 1 keeps RETAIN [MQTT-3.3.1-13]")
            self.assertEqual((m2.payload, m2.retain), (b"live", False), "RAP 0 clears RETAIN [MQTT-3.3.1-12]")
        finally:
            pub.publish(t, b"", qos=1, retain=True)

    def test_v5_assigned_client_identifier(self):
        """v5 empty client id gets an Assigned Client Identifier"""
        a = self.peer("")
        rc, present, cprops = a.connect()
        assigned = getattr(cprops, "AssignedClientIdentifier", None)
        self.assertTrue(assigned, "no Assigned Client Identifier in CONNACK [MQTT-3.2.2-16]")
        b = self.peer("")
        _, _, cprops2 = b.connect()
        self.assertNotEqual(getattr(cprops2, "AssignedClientIdentifier", None), assigned,
                            "two clients were assigned the same identifier")

    def test_v311_empty_client_id(self):
        """v3.1.1 empty client id with clean session accepted"""
        a = self.peer("", V311, clean_session=True)
        rc, _, _ = a.connect()
        self.assertEqual(int(rc.value), 0)
        a.subscribe(topic("empty311"), qos=1)
        a.publish(topic("empty311"), "x", qos=1)
        self.assertEqual(a.wait_messages(1)[0].payload, b"x")


class ExactlyOnce(Base):
    def _qos2(self, protocol, name, n=200):
        t = topic(name)
        s = self.connected(cid(name + "-sub"), protocol)
        s.subscribe(t, qos=2)
        pub = self.connected(cid(name + "-pub"), protocol)
        infos = [pub.c.publish(t, str(i), qos=2) for i in range(n)]
        deadline = time.monotonic() + 20
        for info in infos:
            info.wait_for_publish(max(0.1, deadline - time.monotonic()))
        self.assertTrue(all(i.is_published() for i in infos),
                        f"{sum(not i.is_published() for i in infos)} of {n} QoS 2 publishes not completed")
        msgs = s.wait_messages(n, timeout=max(1, deadline - time.monotonic()))
        time.sleep(0.3)
        got = [int(m.payload) for m in s.messages]
        self.assertEqual(got, list(range(n)), f"{len(got)} deliveries for {n} messages (or out of order)")
        self.assertTrue(all(m.qos == 2 for m in msgs))

    def test_v5_qos2_200(self):
        """v5 QoS 2: 200 messages delivered exactly once, in order"""
        self._qos2(V5, "qos2-v5")

    def test_v311_qos2_200(self):
        """v3.1.1 QoS 2: 200 messages delivered exactly once, in order"""
        self._qos2(V311, "qos2-v311")


class LineResult(unittest.TestResult):
    """Prints one `ok - name` / `FAIL - name: why` line per test."""

    def __init__(self):
        super().__init__()
        self.passed = 0

    @staticmethod
    def name(test):
        return "paho " + (test.shortDescription() or test.id())

    def addSuccess(self, test):
        super().addSuccess(test)
        self.passed += 1
        print(f"ok - {self.name(test)}", flush=True)

    def _fail(self, test, err, kind):
        exc = err[1]
        why = str(exc).strip().replace("\n", " | ") or exc.__class__.__name__
        if kind == "error":
            why = f"{exc.__class__.__name__}: {why}"
        print(f"FAIL - {self.name(test)}: {why}", flush=True)
        if kind == "error":
            traceback.print_exception(*err, file=sys.stderr)

    def addFailure(self, test, err):
        super().addFailure(test, err)
        self._fail(test, err, "failure")

    def addError(self, test, err):
        super().addError(test, err)
        self._fail(test, err, "error")

    def addSkip(self, test, reason):
        super().addSkip(test, reason)
        print(f"FAIL - {self.name(test)}: skipped ({reason})", flush=True)


def main():
    suite = unittest.defaultTestLoader.loadTestsFromModule(sys.modules[__name__])
    result = LineResult()
    suite.run(result)
    failed = len(result.failures) + len(result.errors) + len(result.skipped)
    print(f"paho: {result.passed} passed, {failed} failed", flush=True)
    return 0 if failed == 0 and result.passed > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
