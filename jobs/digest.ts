import { parentPort, workerData } from 'node:worker_threads';
import { runJob } from '../src/runtime/job-runner.js';

// A Bree worker: the configuration comes in workerData, 'cancel' and 'done' go over parentPort.
await runJob('digest', workerData, parentPort);
