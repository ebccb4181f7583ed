import type { ModelName } from '../../config.js';
import type { Model } from '../model.js';
import { RulesModel } from './rules.js';

/** The model named by DEPUTY_MODEL (default `rules`, offline). */
export function createModel(name: ModelName): Model {
  switch (name) {
    case 'rules':
      return new RulesModel();
    default:
      throw new Error(`DEPUTY_MODEL=${name} is not available yet; use DEPUTY_MODEL=rules`);
  }
}
