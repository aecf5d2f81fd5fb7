import { classificationTask, extractionTask, mathTask, multipleChoiceTask, type Task } from './tasks-graded.ts';
import { chitchatTask, codeTask, summarizeTask } from './tasks-open.ts';
import type { Rng } from '../../core/rng.ts';

export type { Task } from './tasks-graded.ts';

export const CATEGORY_NAMES = [
  'math',
  'multiple-choice',
  'extraction',
  'classification',
  'code',
  'chitchat',
  'summarize',
] as const;
export type Category = (typeof CATEGORY_NAMES)[number];

export const CATEGORY_BUILDERS: Record<Category, (r: Rng, promptScale: number) => Task> = {
  math: mathTask,
  'multiple-choice': multipleChoiceTask,
  extraction: extractionTask,
  classification: classificationTask,
  code: codeTask,
  chitchat: chitchatTask,
  summarize: summarizeTask,
};
