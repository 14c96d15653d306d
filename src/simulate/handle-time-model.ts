/**
 * How long simulated agents take over a conversation (`--handle-times`): every model has the
 * mean `agents.averageHandleTime`, so models differ only in how much chats vary.
 */
import type { Milliseconds } from '../config/units.js';
import { exponential, type Random, standardNormal } from '../util/seeded-random.js';

export type HandleTimeModel =
  | { kind: 'constant' }
  | { kind: 'exponential' }
  /** `cv`: the coefficient of variation (standard deviation ÷ mean). */
  | { kind: 'lognormal'; cv: number };

/** The models as `--handle-times` spells them. */
export const HANDLE_TIME_SPELLINGS = 'constant | exponential | lognormal:cv=X';

/** Reads `constant`, `exponential` or `lognormal:cv=X` (0 < X ≤ 10); throws a RangeError otherwise. */
export function parseHandleTimeModel(text: string): HandleTimeModel {
  if (text === 'constant' || text === 'exponential') return { kind: text };
  const match = /^lognormal:cv=(\d+(?:\.\d+)?)$/.exec(text);
  const cv = match ? Number(match[1]) : Number.NaN;
  if (!(cv > 0 && cv <= 10)) {
    throw new RangeError(`--handle-times must be ${HANDLE_TIME_SPELLINGS}, not "${text}"`);
  }
  return { kind: 'lognormal', cv };
}

/** The model's name as `--handle-times` spells it. */
export function formatHandleTimeModel(model: HandleTimeModel): string {
  return model.kind === 'lognormal' ? `lognormal:cv=${model.cv}` : model.kind;
}

/** A draw of one handle time with mean `mean`. */
export function drawHandleTime(
  model: HandleTimeModel,
  mean: Milliseconds,
  random: Random,
): Milliseconds {
  if (model.kind === 'constant') return mean;
  if (model.kind === 'exponential') return exponential(random, mean);
  // ln X ~ N(μ, σ²) with σ² = ln(1 + cv²) and μ = ln(mean) − σ²/2 keeps the mean.
  const sigma2 = Math.log(1 + model.cv * model.cv);
  const mu = Math.log(mean) - sigma2 / 2;
  return Math.exp(mu + Math.sqrt(sigma2) * standardNormal(random));
}
