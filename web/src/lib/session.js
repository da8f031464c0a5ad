// session.js - the login token and what the app keeps for the browser tab.
//
// Everything lives in sessionStorage: it belongs to one tab and is gone when
// the tab closes. The token is kept so a reload does not log the user out;
// drafts (draft.js) are kept so an expired session does not lose typing.

const TOKEN = 'tandem.token';
const USER = 'tandem.user';
const NEXT = 'tandem.next';
const NOTICE = 'tandem.notice';

function get(k) {
  try {
    return sessionStorage.getItem(k);
  } catch {
    return null;
  }
}

function set(k, v) {
  try {
    if (v === null || v === undefined) sessionStorage.removeItem(k);
    else sessionStorage.setItem(k, v);
  } catch {
    /* storage full or disabled: the app still works for this page */
  }
}

export const session = {
  token: () => get(TOKEN),
  username: () => get(USER),
  start(token, username) {
    set(TOKEN, token);
    set(USER, username);
  },
  // Forgets the token; keeps the username so drafts can be matched to it.
  end() {
    set(TOKEN, null);
  },
  // Where to go after the next login, and a message for the login screen.
  setNext: (path) => set(NEXT, path),
  takeNext() {
    const p = get(NEXT);
    set(NEXT, null);
    return p;
  },
  setNotice: (msg) => set(NOTICE, msg),
  takeNotice() {
    const m = get(NOTICE);
    set(NOTICE, null);
    return m;
  },
  // Removes everything the app stored in this tab (explicit logout).
  clearAll() {
    try {
      for (const k of Object.keys(sessionStorage)) if (k.startsWith('tandem.')) sessionStorage.removeItem(k);
    } catch {
      /* nothing to clear */
    }
  },
};

export { get as storageGet, set as storageSet };
