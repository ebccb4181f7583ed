import { describe, expect, it } from 'vitest';
import { createModel, ModelConfigError } from '../../../server/agent/models/index.js';
import { RulesModel } from '../../../server/agent/models/rules.js';

describe('choosing the model with DEPUTY_MODEL', () => {
  it('is the offline rules model by default', () => {
    expect(createModel('rules', {})).toBeInstanceOf(RulesModel);
  });

  it('builds the OpenAI-compatible model for a local server without a key', () => {
    const model = createModel('openai', {
      OPENAI_BASE_URL: 'http://127.0.0.1:11434/v1',
      DEPUTY_MODEL_NAME: 'llama3.1',
    });
    // The provider SDK loads on the first step; the model is chosen and configured now.
    expect(model.name).toBe('openai');
  });

  it('asks for OPENAI_API_KEY when talking to OpenAI itself', () => {
    expect(() => createModel('openai', { DEPUTY_MODEL_NAME: 'gpt-4.1-mini' })).toThrow(ModelConfigError);
    expect(() => createModel('openai', { DEPUTY_MODEL_NAME: 'gpt-4.1-mini' })).toThrow(/OPENAI_API_KEY/);
  });

  it('asks for DEPUTY_MODEL_NAME and ANTHROPIC_API_KEY by name', () => {
    expect(() => createModel('openai', { OPENAI_BASE_URL: 'http://127.0.0.1:8000/v1' })).toThrow(
      /DEPUTY_MODEL_NAME/,
    );
    expect(() => createModel('anthropic', { DEPUTY_MODEL_NAME: 'claude-x' })).toThrow(/ANTHROPIC_API_KEY/);
    expect(createModel('anthropic', { ANTHROPIC_API_KEY: 'k', DEPUTY_MODEL_NAME: 'claude-x' }).name).toBe(
      'anthropic',
    );
  });
});
