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
} as const;

export type ActionId = (typeof ACTION_IDS)[keyof typeof ACTION_IDS];
