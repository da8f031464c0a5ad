// main.js - the clinicians' web app: boot, session, shell and routes.
//
// Screens live in pages/ (one module each) and the patient chart's tabs in
// chart/ (see chart/tabs.js). The app talks only to the JSON API (lib/api.js)
// and shows an action only when the route table in lib/access.js allows it.
import './styles/app.css';
import 'uplot/dist/uPlot.min.css';
import './styles/measures.css';
import './styles/medications.css';
import './styles/therapy.css';
import { html } from 'htm/preact';
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, get, setUnauthorizedHandler } from './lib/api.js';
import { can } from './lib/access.js';
import { AppContext } from './lib/context.js';
import { claimDrafts } from './lib/draft.js';
import { setClinicZone } from './lib/format.js';
import { loadLevels } from './lib/levels.js';
import { match, navigate, useLocation } from './lib/router.js';
import { session } from './lib/session.js';
import { Loading, ErrorBanner } from './components/ui.js';
import { Login } from './pages/login.js';
import { Patients } from './pages/patients.js';
import { PatientForm } from './pages/patient-form.js';
import { Chart } from './chart/chart.js';
import { Census } from './pages/census.js';
import { AuditPage } from './pages/audit.js';
import { AlertsPage } from './pages/alerts.js';
import { DosingPage } from './pages/dosing.js';
import { MonitoringPage } from './pages/monitoring.js';
import { CheckinApp, isCheckinPath } from './pages/checkin.js';
import { SessionsPage } from './pages/sessions.js';
import { SessionPage } from './pages/session.js';
import { MyNotesPage } from './pages/my-notes.js';

// path pattern, screen, the API route the screen needs (for the menu and the
// guard), menu label (shown in the header when set).
const SCREENS = [
  ['/patients/new', PatientForm, 'POST /api/v1/patients'],
  ['/patients/:id/edit', PatientForm, 'PATCH /api/v1/patients/{id}'],
  ['/patients/:id/:tab?', Chart, 'GET /api/v1/patients/{id}'],
  ['/patients', Patients, 'GET /api/v1/patients', 'Patients'],
  ['/census', Census, 'GET /api/v1/census', 'Census'],
  ['/sessions/:id', SessionPage, 'GET /api/v1/sessions/{id}'],
  ['/sessions', SessionsPage, 'GET /api/v1/sessions', 'Sessions'],
  ['/notes', MyNotesPage, 'GET /api/v1/notes/unsigned', 'My notes'],
  ['/dosing', DosingPage, 'GET /api/v1/dosing', 'Dosing'],
  ['/alerts', AlertsPage, 'GET /api/v1/alerts', 'Alerts'],
  ['/monitoring', MonitoringPage, 'GET /api/v1/monitoring', 'Monitoring'],
  ['/audit', AuditPage, 'GET /api/v1/audit', 'Audit'],
];

function home(me) {
  const first = SCREENS.find(([, , route, label]) => label && can(me, route));
  return first ? first[0] : '/patients';
}

async function loadUser() {
  const [me] = await Promise.all([get('/me'), loadLevels()]);
  return me;
}

function Header({ me, path, onLogout }) {
  const roles = [...new Set(me.sites.flatMap((s) => s.roles))].join(', ');
  return html`<header class="topbar">
    <a class="skip" href="#main">Skip to content</a>
    <a class="brand" href=${home(me)} aria-label="Tandem home"><span class="brand-mark" aria-hidden="true">T</span>Tandem</a>
    <nav class="mainnav" aria-label="Main">
      ${SCREENS.filter(([, , route, label]) => label && can(me, route)).map(
        ([p, , , label]) =>
          html`<a href=${p} class=${path.startsWith(p) ? 'active' : ''} aria-current=${path.startsWith(p) ? 'page' : undefined}>${label}</a>`,
      )}
    </nav>
    <div class="who">
      <span class="who-name">${me.username}</span>
      <span class="who-roles">${roles}</span>
      <button type="button" class="btn btn-quiet" onClick=${onLogout}>Log out</button>
    </div>
  </header>`;
}

function Redirect({ to }) {
  useEffect(() => navigate(to, { replace: true }), [to]);
  return null;
}

function NotAllowed() {
  return html`<section class="page"><h1 tabindex="-1">Not available</h1>
    <p>Your roles do not include this screen. Ask an administrator if you need it.</p></section>`;
}

function NotFound() {
  return html`<section class="page"><h1 tabindex="-1">Page not found</h1><p><a href="/">Go to the start page</a></p></section>`;
}

function App() {
  const loc = useLocation();
  const [me, setMe] = useState(null);
  const [phase, setPhase] = useState('boot'); // boot | login | ready | failed
  const [bootErr, setBootErr] = useState(null);

  useEffect(() => {
    setUnauthorizedHandler(() => {
      session.end();
      const here = location.pathname + location.search;
      if (!here.startsWith('/login')) {
        session.setNext(here);
        session.setNotice('Your session has ended. Log in again to continue; what you typed in open forms is kept.');
      }
      setMe(null);
      setPhase('login');
      navigate('/login', { replace: true });
    });
    get('/healthz')
      .then((h) => setClinicZone(h.time_zone))
      .catch(() => setClinicZone(null));
    if (!session.token()) {
      setPhase('login');
      return;
    }
    loadUser().then(
      (u) => {
        setMe(u);
        setPhase('ready');
      },
      (e) => {
        if (e.status === 401) return; /* the handler sent us to login */
        setBootErr(e);
        setPhase('failed');
      },
    );
  }, []);

  // On a new screen, focus its heading so screen readers start there.
  useEffect(() => {
    const t = setTimeout(() => {
      const h = document.querySelector('main h1') || document.querySelector('main');
      const active = document.activeElement;
      if (h && !(active && active !== document.body && active.closest('main'))) h.focus();
    }, 0);
    return () => clearTimeout(t);
  }, [loc.path, phase]);

  async function onLogin(token, username) {
    session.start(token, username);
    claimDrafts(username);
    const u = await loadUser();
    setMe(u);
    setPhase('ready');
    const next = session.takeNext();
    navigate(next && !next.startsWith('/login') ? next : home(u), { replace: true });
  }

  async function onLogout() {
    try {
      await api('DELETE', '/session', undefined, { auth: true });
    } catch {
      /* the token may already be gone; logging out locally is what matters */
    }
    session.clearAll();
    session.setNotice('You have logged out.');
    setMe(null);
    setPhase('login');
    navigate('/login', { replace: true });
  }

  if (phase === 'boot') return html`<main id="main" class="boot"><${Loading} what="Starting" /></main>`;
  if (phase === 'failed')
    return html`<main id="main" class="page"><h1>Tandem is not reachable</h1><${ErrorBanner} err=${bootErr} />
      <button class="btn" type="button" onClick=${() => location.reload()}>Try again</button></main>`;
  if (phase === 'login' || !me) {
    if (loc.path !== '/login') return html`<${Redirect} to="/login" />`;
    return html`<${Login} onLogin=${onLogin} />`;
  }
  if (loc.path === '/login' || loc.path === '/') return html`<${Redirect} to=${home(me)} />`;

  let body = html`<${NotFound} />`;
  for (const [pattern, Screen, route] of SCREENS) {
    const params = match(pattern, loc.path);
    if (!params) continue;
    // One instance per screen and record: switching a chart's tab keeps it.
    const key = `${pattern}:${params.id || ''}`;
    body = can(me, route) ? html`<${Screen} key=${key} params=${params} query=${loc.query} />` : html`<${NotAllowed} />`;
    break;
  }
  return html`<${AppContext.Provider} value=${{ me }}>
    <${Header} me=${me} path=${loc.path} onLogout=${onLogout} />
    <main id="main" tabindex="-1">${body}</main>
  <//>`;
}

const root = document.getElementById('app');
root.textContent = ''; // the "Loading" line of index.html
// The patient's check-in (/checkin, /checkin/<token>) is public and stands alone.
render(isCheckinPath(location.pathname) ? html`<${CheckinApp} path=${location.pathname} />` : html`<${App} />`, root);
