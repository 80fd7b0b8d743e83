// Interop suite: MQTT.js (npm `mqtt` 5.x, protocolVersion 5) against a running
// midge broker.
//
// Usage: MIDGE_PORT=1883 node test.mjs
// Prints one line per check: "ok - <name>" or "FAIL - <name>: <why>", then a
// summary line; exits non-zero if any check failed. Gives up after 30 s.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import mqtt from 'mqtt'

const PORT = Number(process.env.MIDGE_PORT)
if (!PORT) {
  console.log('FAIL - node setup: MIDGE_PORT is not set')
  process.exit(1)
}
const URL = `mqtt://127.0.0.1:${PORT}`
const RUN = randomBytes(4).toString('hex')
const WAIT = 5000
const OVERALL = 30000

let passed = 0
let failed = 0
const clients = []

const overall = setTimeout(() => {
  console.log(`FAIL - node suite: did not finish within ${OVERALL / 1000} s`)
  console.log(`node: ${passed} passed, ${failed + 1} failed`)
  process.exit(1)
}, OVERALL)

async function check (name, fn) {
  try {
    await fn()
    passed++
    console.log(`ok - node ${name}`)
  } catch (e) {
    failed++
    const why = (e && e.message ? e.message : String(e)).replace(/\s*\n\s*/g, ' | ')
    console.log(`FAIL - node ${name}: ${why}`)
  }
}

function withTimeout (promise, ms, what) {
  let timer
  return Promise.race([
    promise,
    new Promise((_resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms)
    })
  ]).finally(() => clearTimeout(timer))
}

async function connect (clientId, extra = {}) {
  const client = await withTimeout(
    mqtt.connectAsync(URL, {
      protocolVersion: 5,
      clientId,
      clean: true,
      reconnectPeriod: 0,
      connectTimeout: WAIT,
      ...extra
    }),
    WAIT,
    `CONNACK for ${clientId}`
  )
  clients.push(client)
  return client
}

// Collects messages; waitFor(n) resolves with the first n.
function collector (client) {
  const got = []
  let waiter = null
  client.on('message', (topic, payload, packet) => {
    got.push({ topic, payload: payload.toString(), packet })
    if (waiter && got.length >= waiter.n) waiter.resolve()
  })
  return {
    got,
    waitFor (n, ms = WAIT) {
      if (got.length >= n) return Promise.resolve(got.slice(0, n))
      return withTimeout(
        new Promise((resolve) => { waiter = { n, resolve } }),
        ms,
        `${n} message(s) (got ${got.length})`
      ).then(() => got.slice(0, n))
    }
  }
}

const topic = `interop/node/${RUN}/data`
let sub, plain, pub, inbox, plainInbox
const sentPackets = []
const receivedPackets = []

// Resolves the topic of each PUBLISH the subscriber received, following the
// broker-to-client topic aliases on the wire. (MQTT.js 5 itself reports an
// empty topic for a QoS 2 message that arrived with an alias only: its PUBREL
// handler emits the stored packet's topic, not the resolved one.)
function resolvedTopics () {
  const aliases = new Map()
  const byPayload = new Map()
  for (const p of receivedPackets) {
    const alias = p.properties && p.properties.topicAlias
    let t = p.topic
    if (alias !== undefined) {
      if (t.length > 0) aliases.set(alias, t)
      else t = aliases.has(alias) ? aliases.get(alias) : `<unknown alias ${alias}>`
    }
    byPayload.set(p.payload.toString(), t)
  }
  return byPayload
}

// MQTT.js gives user properties as an object without prototype.
const plainObject = (o) => (o === undefined ? o : { ...o })

await check('connect (MQTT 5) and read CONNACK', async () => {
  // This subscriber allows broker-to-client topic aliases ...
  sub = await connect(`interop-node-${RUN}-sub`, { properties: { topicAliasMaximum: 10 } })
  sub.on('packetreceive', (p) => { if (p.cmd === 'publish') receivedPackets.push(p) })
  inbox = collector(sub)
  // ... this one does not.
  plain = await connect(`interop-node-${RUN}-plain`)
  plainInbox = collector(plain)
  pub = await connect(`interop-node-${RUN}-pub`)
  pub.on('packetsend', (p) => { if (p.cmd === 'publish') sentPackets.push(p) })
  assert.ok(sub.connected && plain.connected && pub.connected, 'not connected')
  const max = pub.topicAliasSend ? pub.topicAliasSend.max : 0
  assert.ok(max >= 1, `broker announced Topic Alias Maximum ${max}; the alias check needs at least 1`)
})

await check('subscribe at QoS 2', async () => {
  for (const c of [sub, plain]) {
    const granted = await withTimeout(c.subscribeAsync(`interop/node/${RUN}/#`, { qos: 2 }), WAIT, 'SUBACK')
    assert.equal(granted.length, 1)
    assert.equal(granted[0].qos, 2, `granted ${JSON.stringify(granted[0])}`)
  }
})

// Six messages: QoS 0, 1, 2, then again; the first registers topic alias 1,
// all later ones are sent with an empty topic name and the alias only.
const plan = [0, 1, 2, 0, 1, 2].map((qos, i) => ({
  qos,
  payload: `m${i}-q${qos}`,
  userProperties: { index: String(i), qos: String(qos), dup: ['first', 'second'], 'ключ': 'значение' }
}))

await check('publish QoS 0/1/2 with user properties and a topic alias', async () => {
  for (const [i, m] of plan.entries()) {
    const t = i === 0 ? topic : ''
    await withTimeout(
      pub.publishAsync(t, m.payload, { qos: m.qos, properties: { topicAlias: 1, userProperties: m.userProperties } }),
      WAIT,
      `publish ${m.payload} acknowledged`
    )
  }
  assert.equal(sentPackets.length, plan.length)
  assert.equal(sentPackets[0].topic, topic)
  for (const p of sentPackets.slice(1)) {
    assert.equal(p.topic, '', 'later publishes must go out with the alias only')
    assert.equal(p.properties.topicAlias, 1)
  }
})

// QoS 0 may in principle be lost, but not on loopback with one broker: expect all.
// Ordering is guaranteed per topic and QoS (MQTT 5.0 section 4.6).
function checkArrivals (msgs, topicOf) {
  const key = (t, payload, qos) => `${t} ${payload} ${qos}`
  assert.deepEqual(
    msgs.map((m) => key(topicOf(m), m.payload, m.packet.qos)).sort(),
    plan.map((m) => key(topic, m.payload, m.qos)).sort()
  )
  for (const qos of [0, 1, 2]) {
    assert.deepEqual(msgs.filter((m) => m.packet.qos === qos).map((m) => m.payload),
      plan.filter((m) => m.qos === qos).map((m) => m.payload), `order at QoS ${qos}`)
  }
}

function checkUserProperties (msgs) {
  for (const m of msgs) {
    const sent = plan.find((x) => x.payload === m.payload)
    assert.deepEqual(plainObject(m.packet.properties && m.packet.properties.userProperties), sent.userProperties,
      `message ${m.payload}`)
  }
}

await check('all messages arrive with topic, QoS and payload (subscriber without topic aliases)', async () => {
  const msgs = await plainInbox.waitFor(plan.length)
  checkArrivals(msgs, (m) => m.topic)
  for (const m of msgs) {
    assert.equal(m.packet.properties && m.packet.properties.topicAlias, undefined,
      'topic alias sent to a client that announced no Topic Alias Maximum [MQTT-3.3.2-11]')
  }
})

await check('all messages arrive with topic, QoS and payload (subscriber allowing topic aliases)', async () => {
  const msgs = await inbox.waitFor(plan.length)
  const topics = resolvedTopics()
  checkArrivals(msgs, (m) => topics.get(m.payload))
})

await check('user properties arrive unaltered (duplicates kept, in order)', async () => {
  checkUserProperties(await plainInbox.waitFor(plan.length))
  checkUserProperties(await inbox.waitFor(plan.length))
})

await check('no duplicates (QoS 1/2) within 300 ms', async () => {
  await new Promise((resolve) => setTimeout(resolve, 300))
  assert.equal(inbox.got.length, plan.length, `got ${inbox.got.map((m) => m.payload).join(',')}`)
  assert.equal(plainInbox.got.length, plan.length, `got ${plainInbox.got.map((m) => m.payload).join(',')}`)
})

await check('broker-to-client topic aliases, if used, are within the announced maximum', async () => {
  for (const p of receivedPackets) {
    const alias = p.properties && p.properties.topicAlias
    if (alias !== undefined) assert.ok(alias >= 1 && alias <= 10, `alias ${alias} outside 1..10 [MQTT-3.3.2-11]`)
  }
  const used = receivedPackets.filter((p) => p.properties && p.properties.topicAlias !== undefined).length
  console.log(`# broker used a topic alias on ${used} of ${receivedPackets.length} deliveries`)
})

await check('retained message with properties to a late subscriber', async () => {
  const t = `interop/node/${RUN}/retained`
  await pub.publishAsync(t, 'kept', {
    qos: 1,
    retain: true,
    properties: { userProperties: { a: '1' }, contentType: 'text/plain' }
  })
  const late = await connect(`interop-node-${RUN}-late`)
  const box = collector(late)
  await withTimeout(late.subscribeAsync(t, { qos: 1 }), WAIT, 'SUBACK')
  const [m] = await box.waitFor(1)
  assert.equal(m.payload, 'kept')
  assert.equal(m.packet.retain, true)
  assert.deepEqual(plainObject(m.packet.properties.userProperties), { a: '1' })
  assert.equal(m.packet.properties.contentType, 'text/plain')
  await pub.publishAsync(t, '', { qos: 1, retain: true })
})

await check('clean disconnect', async () => {
  await Promise.all(clients.map((c) => withTimeout(c.endAsync(), WAIT, 'disconnect')))
})

clearTimeout(overall)
console.log(`node: ${passed} passed, ${failed} failed`)
process.exit(failed === 0 ? 0 : 1)
