/**
 * Resolves on the event loop's next turn, after the I/O already waiting: called by a listener
 * right after `ack()`, it lets the requests that arrived meanwhile be read and acknowledged before
 * this one's work (reading the store, building blocks, the reply) holds the loop. Slack waits 3 s
 * for an ack and shows the person an error after that; a reply may come up to 30 minutes later.
 * Under a burst of 50 commands, doing each command's work before the next one's ack made the acks
 * queue behind every reply (see docs/PERFORMANCE.md, "Ack latency").
 *
 * @example
 * await ack();
 * await afterAck();
 * await respond(helpMessage());
 */
export function afterAck(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
