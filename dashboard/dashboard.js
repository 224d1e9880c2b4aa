// @ts-check
// The Paastis dashboard: signs in with the admin token (a session cookie from then on), then
// reads the admin API every few seconds. Everything shown is set with textContent: an app name
// or an event message is never HTML.
'use strict'

/** @typedef {{ name: string, provider: string, state: string, timeLeftMs?: number | null, lastActivityAt: string, ignored: boolean, pinnedUntil?: string | null, schedule?: { summary: string },
 *   lastError?: string | null, accounting?: { asleepSeconds: number, runningSeconds: number, wakes: number, medianWakeMs: number | null } }} App */
/** @typedef {{ id: string, at: string, app: string, type: string, cause?: string, message?: string }} PaastisEvent */
/** @typedef {{ hoursAsleep: number, saved: number | null, currency: string, dryRun?: boolean, hoursWouldSleep?: number, wouldHaveSaved?: number | null, days: Array<{ date: string, hoursAsleep: number, saved: number | null }> }} Savings */

const REFRESH_MS = 5000
/** @type {string | undefined} */
let csrfToken
/** @type {number | undefined} */
let timer

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
  /** @type {Record<string, string>} */
  const headers = { accept: 'application/json' }
  if (csrfToken !== undefined && method !== 'GET') headers['x-csrf-token'] = csrfToken
  if (body !== undefined) headers['content-type'] = 'application/json'
  const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'same-origin' })
  if (response.status === 204) return undefined
  const data = await response.json().catch(() => ({}))
  if (!response.ok) throw new ApiError(response.status, typeof data.message === 'string' ? data.message : `HTTP ${response.status}`)
  return data
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
  actions.push(app.pinnedUntil ? ['unpin', 'Unpin'] : ['pin', 'Pin 2 h'])
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
      td.append(content)
      row.append(td)
      return td
    }
    cell('App', el('strong', app.name))
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
    actions.className = 'actions'
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
}

/** @param {PaastisEvent[]} events */
function renderEvents (events) {
  $('events').replaceChildren(...events.map((event) => {
    const item = el('li')
    const time = el('time', new Date(event.at).toLocaleString())
    time.setAttribute('datetime', event.at)
    const what = el('span')
    what.append(el('span', event.type, 'type'), ` ${event.app}`)
    item.append(time, what, el('span', [event.cause, event.message].filter(Boolean).join(' · '), 'message'))
    return item
  }))
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
    const [apps, events, savings] = await Promise.all([api('GET', '/apps'), api('GET', '/events?limit=30'), api('GET', '/savings')])
    renderApps(apps, Date.now())
    renderEvents(events)
    renderSavings(savings)
    $('live').textContent = `Updated ${new Date().toLocaleTimeString()}`
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return show(false)
    $('live').textContent = `Not updated: ${/** @type {Error} */ (err).message}`
  }
  timer = window.setTimeout(() => { void refresh() }, REFRESH_MS)
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
    const result = action === 'pin'
      ? await api('POST', `${path}/pin?for=2h`)
      : action === 'unpin' ? await api('DELETE', `${path}/pin`) : await api('POST', `${path}/${action}`)
    const state = action === 'stop' ? result.app.state : result.state
    status.textContent = action === 'pin' ? `${name}: ${state}, pinned for 2 h` : action === 'unpin' ? `${name}: unpinned` : `${name}: ${state}`
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
  const session = await api('GET', '/session').catch(() => ({ signedIn: false }))
  csrfToken = session.csrfToken
  show(session.signedIn === true)
  if (session.signedIn === true) await refresh()
})
