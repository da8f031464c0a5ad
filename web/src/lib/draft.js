// draft.js - form state that survives an expired session.
//
// useDraft(key, initial) is useState whose value is copied to sessionStorage
// (this tab only) as the user types. When a 401 sends the user back to the
// login screen and they log in again as the same user, the form comes back as
// it was. Drafts are dropped on submit, on logout, and when a different user
// logs in. Passwords are never put in a draft.
import { useEffect, useState } from 'preact/hooks';
import { storageGet, storageSet } from './session.js';

const PREFIX = 'tandem.draft.';
const OWNER = 'tandem.draft-owner';

function read(key, initial) {
  const raw = storageGet(PREFIX + key);
  if (!raw) return initial;
  try {
    const v = JSON.parse(raw);
    return typeof initial === 'object' && initial && !Array.isArray(initial) ? { ...initial, ...v } : v;
  } catch {
    return initial;
  }
}

export function useDraft(key, initial) {
  const [value, setValue] = useState(() => read(key, initial));
  const blank = JSON.stringify(initial);
  useEffect(() => {
    const now = JSON.stringify(value);
    storageSet(PREFIX + key, now === blank ? null : now);
  }, [key, value]);
  const clear = () => {
    storageSet(PREFIX + key, null);
  };
  return [value, setValue, clear];
}

export function dropDraft(key) {
  storageSet(PREFIX + key, null);
}

// Called after each login: drafts of another user are removed.
export function claimDrafts(username) {
  if (storageGet(OWNER) !== username) {
    try {
      for (const k of Object.keys(sessionStorage)) if (k.startsWith(PREFIX)) sessionStorage.removeItem(k);
    } catch {
      /* nothing stored */
    }
  }
  storageSet(OWNER, username);
}
