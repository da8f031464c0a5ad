// context.js - what every screen may need: the user (GET /api/v1/me) and the
// clinic's time zone name.
import { createContext } from 'preact';
import { useContext } from 'preact/hooks';

export const AppContext = createContext({ me: null });
export const useApp = () => useContext(AppContext);
