// @ts-check
// The Paastis dashboard: signs in with the admin token (a session cookie from then on), then
// reads the admin API whenever an event says something changed (server-sent events), and every
// few seconds besides. Everything shown is set with textContent: an app name or an event message
// is never HTML.
'use strict'

/** @typedef {{ name: string, provider: string, state: string, url?: string | null, timeLeftMs?: number | null, lastActivityAt: string, ignored: boolean, pinnedUntil?: string | null, schedule?: { summary: string },
 *   lastError?: string | null, accounting?: { asleepSeconds: number, runningSeconds: number, wakes: number, medianWakeMs: number | null } }} App */
/** @typedef {{ id: string, at: string, app: string, type: string, cause?: string, message?: string }} PaastisEvent */
/** @typedef {{ hoursAsleep: number, saved: number | null, currency: string, dryRun?: boolean, hoursWouldSleep?: number, wouldHaveSaved?: number | null, days: Array<{ date: string, hoursAsleep: number, saved: number | null }> }} Savings */

/** Between two reads of the lists: often while no event stream is open, rarely while one is. */
const REFRESH_MS = 5000
const REFRESH_LIVE_MS = 30_000
const EVENTS_PAGE = 30
/** @type {string | undefined} */
let csrfToken
/** @type {number | undefined} */
let timer
/** @type {number | undefined} */
let soon
/** @type {EventSource | undefined} */
let stream
let live = false
/** The events page shown: undefined for the newest, else the cursor of the page (`before`). */
/** @type {string | undefined} */
let eventsBefore
/** @type {string | undefined} */
let eventsNext

/** @param {string} id */
function $ (id) {
  const element = document.getElementById(id)
  if (element === null) throw new Error(`#${id} is missing`)
  return element
}

/** @param {string} tag @param {string} [text] @param {string} [className] */
function el (tag, text, className) {
  const element = document.createElement(tag)
  if (text !== undefined) element.textContent = text
  if (className !== undefined) element.className = className
  return element
}

class ApiError extends Error {
  /** @param {number} status @param {string} message */
  constructor (status, message) {
    super(message)
    this.status = status
  }
}

/** @param {string} method @param {string} path @param {unknown} [body] */
async function api (method, path, body) {
  return (await call(method, path, body)).body
}

/** @param {string} method @param {string} path @param {unknown} [body] */
async function call (method, path, body) {
  /** @type {Record<string, string>} */
  const headers = { accept: 'application/json' }
  if (csrfToken !== undefined && method !== 'GET') headers['x-csrf-token'] = csrfToken
  if (body !== undefined) headers['content-type'] = 'application/json'
  const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'same-origin' })
  if (response.status === 204) return { body: undefined, next: undefined }
  const data = await response.json().catch(() => ({}))
  if (!response.ok) throw new ApiError(response.status, typeof data.message === 'string' ? data.message : `HTTP ${response.status}`)
  return { body: data, next: nextCursor(response.headers.get('link')) }
}

/** `</events?…&before=ID>; rel="next"` → ID: the cursor of the next (older) page. */
/** @param {string | null} link */
function nextCursor (link) {
  const target = link === null ? undefined : /^<([^>]*)>;\s*rel="next"/.exec(link)?.[1]
  return target === undefined ? undefined : new URL(target, location.href).searchParams.get('before') ?? undefined
}

/** ISO instants inside an event's words ("kept awake until 2026-12-06T11:15:08.939Z"), in the viewer's zone. */
/** @param {string} text */
function localDates (text) {
  return text.replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,3})?Z/g, (iso) => new Date(iso).toLocaleString())
}

/** @param {number} seconds */
function span (seconds) {
  if (seconds < 60) return `${Math.max(0, Math.round(seconds))} s`
  const minutes = Math.floor(seconds / 60)
  if (minutes < 60) return `${minutes} min`
  const hours = Math.floor(minutes / 60)
  if (hours < 48) return minutes % 60 === 0 ? `${hours} h` : `${hours} h ${minutes % 60} min`
  return `${Math.floor(hours / 24)} d`
}

/** @param {number} value */
const hours = (value) => value > 0 && value < 0.005 ? '<0.01 h' : `${Math.round(value * 100) / 100} h`

/** @param {boolean} signedIn */
function show (signedIn) {
  $('sign-in').hidden = signedIn
  $('board').hidden = !signedIn
  $('sign-out').hidden = !signedIn
  if (!signedIn) {
    clearTimeout(timer)
    stream?.close()
    stream = undefined
    live = false
    csrfToken = undefined
    $('live').textContent = ''
    $('token').focus()
  }
}

/** @param {App} app */
function actionsOf (app) {
  if (app.ignored) return []
  /** @type {Array<[string, string]>} */
  const actions = []
  if (app.state !== 'running' && app.state !== 'starting') actions.push(['start', 'Start'])
  if (app.state !== 'stopped' && app.state !== 'stopping') actions.push(['stop', 'Stop'])
  actions.push(app.pinnedUntil ? ['unpin', 'Unpin'] : ['pin', 'Pin'])
  return actions
}

/** @param {App[]} apps @param {number} now */
function renderApps (apps, now) {
  // The focused button is found again after the rows are rebuilt: the keyboard stays in place.
  const focused = document.activeElement instanceof HTMLButtonElement ? document.activeElement.dataset.key : undefined
  const body = /** @type {HTMLTableSectionElement} */ ($('apps').querySelector('tbody'))
  body.replaceChildren(...apps.map((app) => {
    const row = el('tr')
    row.dataset.app = app.name
    /** @param {string} label @param {Node | string} content */
    const cell = (label, content) => {
      const td = el('td')
      td.dataset.label = label
      // One element per cell: at phone width the label and the value are its two columns.
      const value = el('span', undefined, 'value')
      value.append(content)
      td.append(value)
      row.append(td)
      return value
    }
    const name = el('strong', app.name)
    if (app.url) {
      const link = /** @type {HTMLAnchorElement} */ (el('a'))
      link.href = app.url
      link.target = '_blank'
      link.rel = 'noopener noreferrer'
      link.title = `Open ${app.name}`
      link.append(name)
      cell('App', link)
    } else cell('App', name)
    cell('Provider', app.provider)
    const state = cell('State', el('span', app.ignored ? `${app.state} (ignored)` : app.state, `state state-${app.state}`))
    if (app.lastError) state.title = app.lastError
    const left = cell('Stops in', app.timeLeftMs === null || app.timeLeftMs === undefined ? '–' : span(app.timeLeftMs / 1000))
    if (app.pinnedUntil) left.append(el('span', ` pinned until ${new Date(app.pinnedUntil).toLocaleTimeString()}`, 'pin'))
    if (app.schedule) left.append(el('span', app.schedule.summary, 'pin'))
    cell('Last activity', `${span((now - Date.parse(app.lastActivityAt)) / 1000)} ago`)
    cell('Hours saved', app.accounting === undefined ? '–' : hours(app.accounting.asleepSeconds / 3600))
    cell('Wake time', app.accounting?.medianWakeMs == null ? '–' : `${(app.accounting.medianWakeMs / 1000).toFixed(1)} s`)
    const actions = cell('Actions', '')
    const actionsCell = /** @type {HTMLElement} */ (actions.parentElement)
    actionsCell.className = 'actions'
    for (const [action, label] of actionsOf(app)) {
      const button = /** @type {HTMLButtonElement} */ (el('button', label, action === 'start' ? undefined : 'secondary'))
      button.type = 'button'
      button.dataset.key = `${action}:${app.name}`
      button.setAttribute('aria-label', `${label} ${app.name}`)
      button.addEventListener('click', () => { void act(action, app.name, button) })
      actions.append(button)
    }
    return row
  }))
  if (focused !== undefined) {
    const again = /** @type {HTMLButtonElement | null} */ (body.querySelector(`button[data-key="${CSS.escape(focused)}"]`))
    again?.focus()
  }
  $('asleep-now').textContent = `${apps.filter((app) => app.state === 'stopped').length} / ${apps.length}`
  // The timeline's app filter lists the apps there are, keeping the one chosen.
  const filter = /** @type {HTMLSelectElement} */ ($('event-app'))
  const names = apps.map((app) => app.name)
  if (filter.dataset.names === names.join('\n')) return // an open list is left alone
  filter.dataset.names = names.join('\n')
  const chosen = filter.value
  const all = /** @type {HTMLOptionElement} */ (el('option', 'All apps'))
  all.value = ''
  filter.replaceChildren(all, ...names.map((name) => el('option', name)))
  filter.value = names.includes(chosen) ? chosen : ''
}

/** @param {PaastisEvent[]} events */
function renderEvents (events) {
  $('events').replaceChildren(...events.map((event) => {
    const item = el('li')
    const time = el('time', new Date(event.at).toLocaleString())
    time.setAttribute('datetime', event.at)
    const what = el('span')
    what.append(el('span', event.type, 'type'), ` ${event.app}`)
    item.append(time, what, el('span', localDates([event.cause, event.message].filter(Boolean).join(' · ')), 'message'))
    return item
  }))
  $('events-older').hidden = eventsNext === undefined
  $('events-newest').hidden = eventsBefore === undefined
}

/** The timeline's query: its filters, and the page shown. */
function eventsPath () {
  const query = new URLSearchParams({ limit: String(EVENTS_PAGE) })
  const app = /** @type {HTMLSelectElement} */ ($('event-app')).value
  const type = /** @type {HTMLSelectElement} */ ($('event-type')).value
  if (app !== '') query.set('app', app)
  if (type !== '') query.set('type', type)
  if (eventsBefore !== undefined) query.set('before', eventsBefore)
  return `/events?${query.toString()}`
}

const SVG = 'http://www.w3.org/2000/svg'

/** @param {Savings} savings */
function renderSavings (savings) {
  // DRY_RUN: nothing is stopped; what stopping would have saved is the figure to read.
  const dry = savings.dryRun === true
  $('hours-saved-label').textContent = dry ? 'Hours it would have saved (dry run), last 30 days' : 'Hours saved, last 30 days'
  $('money-saved-label').textContent = dry ? 'Money it would have saved (dry run), last 30 days' : 'Money saved, last 30 days'
  $('hours-saved').textContent = hours(dry ? savings.hoursWouldSleep ?? 0 : savings.hoursAsleep)
  const money = dry ? savings.wouldHaveSaved ?? null : savings.saved
  // In the viewer's locale, with the currency COST_CURRENCY names: "€0.02", "0,02 €", "$0.02".
  $('money-saved').textContent = money === null ? '–' : new Intl.NumberFormat(undefined, { style: 'currency', currency: savings.currency }).format(money)
  $('money-saved').title = money === null ? 'Give the apps a cost_per_hour in paastis.yml' : ''
  const days = savings.days.slice(-14)
  const chart = $('chart')
  const width = 700
  const height = 160
  const svg = document.createElementNS(SVG, 'svg')
  svg.setAttribute('viewBox', `0 0 ${width} ${height}`)
  svg.setAttribute('role', 'img')
  svg.setAttribute('aria-label', days.map((day) => `${day.date}: ${hours(day.hoursAsleep)}`).join(', ') || 'No day yet')
  const top = Math.max(1, ...days.map((day) => day.hoursAsleep))
  const slot = width / Math.max(days.length, 1)
  days.forEach((day, i) => {
    const barHeight = Math.round((day.hoursAsleep / top) * (height - 24))
    const bar = document.createElementNS(SVG, 'rect')
    bar.setAttribute('class', 'bar')
    bar.setAttribute('x', String(i * slot + slot * 0.15))
    bar.setAttribute('width', String(slot * 0.7))
    bar.setAttribute('y', String(height - 16 - barHeight))
    bar.setAttribute('height', String(barHeight))
    const title = document.createElementNS(SVG, 'title')
    title.textContent = `${day.date}: ${hours(day.hoursAsleep)}`
    bar.append(title)
    const label = document.createElementNS(SVG, 'text')
    label.setAttribute('class', 'axis')
    label.setAttribute('x', String(i * slot + slot / 2))
    label.setAttribute('y', String(height - 3))
    label.setAttribute('text-anchor', 'middle')
    label.textContent = day.date.slice(5)
    svg.append(bar, label)
  })
  const count = savings.days.length
  const caption = el('figcaption', `${hours(savings.hoursAsleep)} asleep in the last 30 days (${count} ${count === 1 ? 'day' : 'days'} with apps)`)
  chart.replaceChildren(svg, caption)
}

async function refresh () {
  clearTimeout(timer)
  try {
    const [apps, events, savings] = await Promise.all([api('GET', '/apps'), call('GET', eventsPath()), api('GET', '/savings')])
    renderApps(apps, Date.now())
    eventsNext = events.next
    renderEvents(events.body)
    renderSavings(savings)
    $('live').textContent = `${live ? 'Live' : 'Updated'} · ${new Date().toLocaleTimeString()}`
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return show(false)
    $('live').textContent = `Not updated: ${/** @type {Error} */ (err).message}`
  }
  timer = window.setTimeout(() => { void refresh() }, live ? REFRESH_LIVE_MS : REFRESH_MS)
}

/** Several events at once (a start is three) make one read. */
function refreshSoon () {
  clearTimeout(soon)
  soon = window.setTimeout(() => { void refresh() }, 100)
}

/** Every event of this replica as it happens: the lists are read again at once. */
function listen () {
  stream?.close()
  stream = new EventSource('/events/stream')
  stream.addEventListener('paastis', refreshSoon)
  stream.addEventListener('open', () => { live = true; refreshSoon() })
  // The browser opens it again by itself (retry: 2 s); meanwhile the lists are read every 5 s.
  stream.addEventListener('error', () => { live = false })
}

/** @type {Record<string, string>} */
const ACTING = { stop: 'Stopping', start: 'Starting', pin: 'Pinning', unpin: 'Unpinning' }

/** @param {string} action @param {string} name @param {HTMLButtonElement} button */
async function act (action, name, button) {
  const status = $('action-status')
  button.disabled = true
  status.textContent = `${ACTING[action] ?? action} ${name}…`
  try {
    const path = `/apps/${encodeURIComponent(name)}`
    const pinFor = /** @type {HTMLSelectElement} */ ($('pin-for'))
    const result = action === 'pin'
      ? await api('POST', `${path}/pin?for=${encodeURIComponent(pinFor.value)}`)
      : action === 'unpin' ? await api('DELETE', `${path}/pin`) : await api('POST', `${path}/${action}`)
    const state = action === 'stop' ? result.app.state : result.state
    const chosen = pinFor.selectedOptions[0]?.textContent ?? pinFor.value
    status.textContent = action === 'pin' ? `${name}: ${state}, pinned for ${chosen}` : action === 'unpin' ? `${name}: unpinned` : `${name}: ${state}`
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return show(false)
    status.textContent = `${name}: ${/** @type {Error} */ (err).message}`
  }
  await refresh()
}

async function signIn (/** @type {SubmitEvent} */ event) {
  event.preventDefault()
  const input = /** @type {HTMLInputElement} */ ($('token'))
  const error = $('sign-in-error')
  error.textContent = ''
  try {
    const session = await api('POST', '/session', { token: input.value })
    csrfToken = session.csrfToken
    input.value = ''
    show(true)
    listen()
    await refresh()
    $('apps-title').focus()
  } catch (err) {
    error.textContent = err instanceof ApiError && err.status === 401 ? 'This token was refused.' : /** @type {Error} */ (err).message
  }
}

async function signOut () {
  await api('DELETE', '/session').catch(() => {})
  show(false)
}

document.addEventListener('DOMContentLoaded', async () => {
  $('apps-title').tabIndex = -1
  $('sign-in-form').addEventListener('submit', (event) => { void signIn(/** @type {SubmitEvent} */ (event)) })
  $('sign-out').addEventListener('click', () => { void signOut() })
  document.addEventListener('visibilitychange', () => { if (!document.hidden && csrfToken !== undefined) void refresh() })
  const timeline = () => { eventsBefore = undefined; void refresh() }
  $('event-app').addEventListener('change', timeline)
  $('event-type').addEventListener('change', timeline)
  $('events-newest').addEventListener('click', timeline)
  $('events-older').addEventListener('click', () => { eventsBefore = eventsNext; void refresh() })
  const session = await api('GET', '/session').catch(() => ({ signedIn: false }))
  csrfToken = session.csrfToken
  show(session.signedIn === true)
  if (session.signedIn === true) {
    listen()
    await refresh()
  }
})
