import t from 'tap'
import { appUrl } from '../../../lib/core/app-url'

t.test('an app is opened at its first exact host (never a whitelisted alias), else at APPS_URL, else nowhere Paastis knows', async (t) => {
  const hosts = new Map([
    ['status.example.com', { app: 'shop', whitelisted: true }],
    ['shop.example.com', { app: 'shop', whitelisted: false }],
    ['blog.example.org', { app: 'blog', whitelisted: false }]
  ])
  t.equal(appUrl('shop', undefined, hosts), 'https://shop.example.com/', 'the declared host, over https by default')
  t.equal(appUrl('shop', 'http://{app}.localhost:3000/', hosts), 'http://shop.example.com/', 'plain http when APPS_URL says so')
  t.equal(appUrl('api', 'https://{app}.apps.example.com/', hosts), 'https://api.apps.example.com/')
  t.equal(appUrl('a b', 'https://x.example.com/{app}/', hosts), 'https://x.example.com/a%20b/', 'the name is encoded')
  t.equal(appUrl('api', undefined, hosts), null)
})
