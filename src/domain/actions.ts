/**
 * Interaction ids: Slack `action_id`s and Teams `Action.Execute` verbs are these same strings, and
 * their value/data carries the episode id. A public contract (users' manifests and scripts depend on them): never rename.
 */
export const ACTION_IDS = {
  claim: 'ringback.claim',
  release: 'ringback.release',
  callback: 'ringback.callback',
  resolve: 'ringback.resolve',
  openTicket: 'ringback.open_ticket',
  /** Call back later: value `30m`, `1h`, `2h`, `tomorrow` or an ISO 8601 time. */
  snooze: 'ringback.snooze',
  /** Hand the call to another agent: Slack `users_select` / Teams people ChoiceSet, value the chosen person. */
  reassign: 'ringback.reassign',
  /**
   * Call back on another number (additive to the design's table): Slack button opening a modal / Teams
   * Input.Text (+ the requester's phones) and Execute; the typed or chosen number goes to `set_number`.
   */
  callbackNumber: 'ringback.callback_number',
  /** On a storm's queue message: claim the oldest unclaimed call of the channel; value the channel id. */
  claimNext: 'ringback.claim_next',
} as const;
