// `npm run demo`: Paastis with the command provider on the two example apps, a one-minute idle
// time and a check every 10 seconds, so that a newcomer sees an app wake up and go back to sleep.
import { randomBytes } from 'node:crypto'
import path from 'node:path'
import { main } from '../server'

const port = process.env.PORT ?? '3000'
const root = path.join(__dirname, '..', '..')
process.env.PROVIDER_NAME ??= 'command'
process.env.PAASTIS_CONFIG_FILE ??= path.join(root, 'examples', 'paastis.yml')
process.env.START_AND_STOP_CHECKING_INTERVAL_CRON ??= '*/10 * * * * *'
process.env.HOST ??= '127.0.0.1'
process.env.PORT = port
process.env.LOG_FORMAT ??= 'pretty'
// The demo's history may go with it: chosen, so not warned about.
process.env.EVENTS_STORE_TYPE ??= 'memory'
// A token made for this run (the dashboard needs one), printed below for the newcomer: it opens
// nothing but this local demo. A token the operator set is theirs: never printed.
const ownToken = process.env.ROUTING_SYSTEM_API_TOKEN === undefined
process.env.ROUTING_SYSTEM_API_TOKEN ??= randomBytes(12).toString('base64url')

console.log(`
Paastis demo: two sleeping apps, "hello" and "clock", stopped after 1 idle minute.
Try, in another terminal:

  curl http://hello.localhost:${port}/          # wakes hello (watch the log), then proxies
  curl http://hello.localhost:${port}/again     # instant: hello is awake
  curl -i http://clock.localhost:${port}/       # clock takes a second to boot: see x-paastis-wake
  curl http://nothing.localhost:${port}/        # 404: no such app

Leave them alone for a minute and watch the log: they are stopped.

The dashboard: http://localhost:${port}/  (admin token: ${ownToken ? process.env.ROUTING_SYSTEM_API_TOKEN : 'the ROUTING_SYSTEM_API_TOKEN you set'})
`)
void main([])
