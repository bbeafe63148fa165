/** The facts every card shows under its caller, in this order, each surface escaping them its own way. */
import type { CardModel } from '../domain/cardModel.js';

export function cardFacts(model: CardModel, inert: (text: string) => string): [string, string | null][] {
  return [
    ['Line', inert(model.lineName)],
    ['When', inert(model.whenText)],
    ['Waited', model.waitedText ? inert(model.waitedText.replace(/^Waited /, '')) : null],
    ['Why missed', model.reasonText ? inert(model.reasonText) : null],
    ['Rang', model.rangText ? inert(model.rangText.replace(/^Rang /, '')) : null],
    ['Calls', model.episodeText ? inert(model.episodeText) : null],
  ];
}
