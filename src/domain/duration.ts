// The parser lives in changes/ (the `run` kind's timeouts use it); the spec keeps importing it from here.
export { Duration, parseDuration } from '../changes/duration.js';
