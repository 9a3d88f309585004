import { initAll } from '/assets/govuk/govuk-frontend.min.js'
initAll()

// The search results page moves focus to the results heading, so a keyboard or screen reader
// user lands on the results rather than 17 tabs above them (the form stays to change the search).
const results = document.querySelector('[data-app-focus-on-load]')
if (results) results.focus()

// GOV.UK's timeout warning: two minutes before an idle session ends, a dialog offers to stay
// signed in (a request to the keep-alive address) or to sign out; at the end, the sign-in page
// says the session timed out. Without JavaScript, the sign-in page says so on its own.
const warning = document.getElementById('timeout-warning')
if (warning && typeof warning.showModal === 'function') {
  const idle = Number(warning.dataset.idleSeconds) * 1000
  const warn = Number(warning.dataset.warnSeconds) * 1000
  const countdown = warning.querySelector('.app-timeout-countdown')
  const csrf = warning.querySelector('input[name=csrfmiddlewaretoken]').value
  let deadline = 0
  let warnTimer = 0
  let tick = 0
  const say = () => {
    const left = Math.max(0, Math.round((deadline - Date.now()) / 1000))
    if (left === 0) { window.location.href = warning.dataset.timedOutUrl; return }
    const minutes = Math.ceil(left / 60)
    countdown.textContent = left > 60 ? `${minutes} minutes` : `${left} seconds`
  }
  const start = () => {
    deadline = Date.now() + idle
    clearTimeout(warnTimer)
    clearInterval(tick)
    warnTimer = setTimeout(() => {
      say()
      warning.showModal()
      tick = setInterval(say, 1000)
    }, idle - warn)
  }
  warning.querySelector('[data-app-stay-signed-in]').addEventListener('click', () => {
    fetch(warning.dataset.keepAliveUrl, { method: 'POST', headers: { 'X-CSRFToken': csrf }, credentials: 'same-origin' })
      .then((response) => { if (response.ok) { warning.close(); start() } else { window.location.href = warning.dataset.timedOutUrl } })
  })
  warning.addEventListener('cancel', (event) => event.preventDefault())
  start()
}
