// flash.js - one message carried to the next screen ("Patient registered").
let pending = null;

export function flash(msg) {
  pending = msg;
}

export function takeFlash() {
  const m = pending;
  pending = null;
  return m;
}
