import type { ModelName } from '../../config.js';
import type { Model } from '../model.js';
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
 * A model whose provider SDK is imported on its first step. The configuration is still checked at
 * boot; only the import waits, because loading both SDKs cost ~0.9 s of every cold start even when
 * the offline model serves (bench/FINDINGS.md).
 */
function lazyModel(name: string, load: () => Promise<Model>): Model {
  let loaded: Promise<Model> | null = null;
  return {
    name,
    async *step(req, signal) {
      loaded ??= load();
      yield* (await loaded).step(req, signal);
    },
  };
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
      return lazyModel(
        'openai',
        async () => new (await import('./openai.js')).OpenAiModel({ baseURL, apiKey, model }),
      );
    }
    case 'anthropic': {
      const apiKey = required(env, 'ANTHROPIC_API_KEY', 'for DEPUTY_MODEL=anthropic');
      const model = required(env, 'DEPUTY_MODEL_NAME', 'for DEPUTY_MODEL=anthropic (e.g. a claude model id)');
      const baseURL = env.ANTHROPIC_BASE_URL?.trim();
      return lazyModel(
        'anthropic',
        async () =>
          new (await import('./anthropic.js')).AnthropicModel({
            apiKey,
            model,
            ...(baseURL ? { baseURL } : {}),
          }),
      );
    }
  }
}
