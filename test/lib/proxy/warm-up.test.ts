// The warm-up at start: real exchanges through the forwarder between loopback servers, bounded,
// and harmless when they cannot happen.
import t from 'tap'
import { Forwarder } from '../../../lib/proxy/forwarder'
import { warmUp } from '../../../lib/proxy/warm-up'

const options = { connections: 4, pipelining: 1, keepAliveTimeoutMs: 1000, connectTimeoutMs: 1000, responseTimeoutMs: 1000, bodyTimeoutMs: 1000, clientBodyTimeoutMs: 1000, bufferBodyBytes: 1024 }

t.test('three exchanges go through the forwarder itself', async (t) => {
  const forwarder = new Forwarder(options)
  t.teardown(() => forwarder.close())
  t.equal(await warmUp(forwarder), 3)
})

t.test('a forwarder that cannot forward: the warm-up ends by its deadline, without throwing', async (t) => {
  const forwarder = new Forwarder(options)
  await forwarder.close()
  t.equal(await warmUp(forwarder, 500), 0)
})
