// One ES module with everything the app needs from preact: h, render, hooks and htm's html.
export { h, render, Fragment, createContext } from "preact";
export { useState, useEffect, useMemo, useRef, useCallback, useContext, useReducer } from "preact/hooks";
export { html } from "htm/preact";
