import { initAll } from '/assets/govuk/govuk-frontend.min.js'
initAll()

// The search results page moves focus to the results heading, so a keyboard or screen reader
// user lands on the results rather than 17 tabs above them (the form stays to change the search).
const results = document.querySelector('[data-app-focus-on-load]')
if (results) results.focus()
