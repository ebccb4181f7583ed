import type { ModelName } from '../../config.js';
import type { Model } from '../model.js';
import { AnthropicModel } from './anthropic.js';
import { OpenAiModel } from './openai.js';
import { RulesModel } from './rules.js';

/** A model configuration problem, named with the variable to fix. */
export class ModelConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelConfigError';
  }
}

function required(env: NodeJS.ProcessEnv, name: string, why: string): string {
  const value = env[name]?.trim();
  if (!value) throw new ModelConfigError(`${name} must be set ${why}`);
  return value;
}

/**
 * The model named by DEPUTY_MODEL (default `rules`, offline). `openai` reads OPENAI_BASE_URL
 * (default OpenAI's), OPENAI_API_KEY (optional for local servers such as Ollama) and
 * DEPUTY_MODEL_NAME; `anthropic` reads ANTHROPIC_API_KEY, ANTHROPIC_BASE_URL and DEPUTY_MODEL_NAME.
 */
export function createModel(name: ModelName, env: NodeJS.ProcessEnv = process.env): Model {
  switch (name) {
    case 'rules': {
      const model = new RulesModel();
      // Train the classifier at boot, in the background: the first visitor does not wait for it.
      void model.warm();
      return model;
    }
    case 'openai': {
      const baseURL = env.OPENAI_BASE_URL?.trim() || 'https://api.openai.com/v1';
      const local = !baseURL.startsWith('https://api.openai.com');
      const apiKey = local
        ? env.OPENAI_API_KEY?.trim() || 'unused'
        : required(env, 'OPENAI_API_KEY', 'for DEPUTY_MODEL=openai with OpenAI itself');
      const model = required(
        env,
        'DEPUTY_MODEL_NAME',
        'for DEPUTY_MODEL=openai (e.g. gpt-4.1-mini, llama3.1)',
      );
      return new OpenAiModel({ baseURL, apiKey, model });
    }
    case 'anthropic': {
      const apiKey = required(env, 'ANTHROPIC_API_KEY', 'for DEPUTY_MODEL=anthropic');
      const model = required(env, 'DEPUTY_MODEL_NAME', 'for DEPUTY_MODEL=anthropic (e.g. a claude model id)');
      const baseURL = env.ANTHROPIC_BASE_URL?.trim();
      return new AnthropicModel({ apiKey, model, ...(baseURL ? { baseURL } : {}) });
    }
  }
}
