/** Synthetic tasks without a reference answer: code requests, chit-chat, summaries. */
import { drawLength } from './lengths.ts';
import { document } from './filler.ts';
import type { Task } from './tasks-graded.ts';
import type { Rng } from '../../core/rng.ts';

const CODE_TASKS = [
  'Write a Python function that returns the n-th Fibonacci number iteratively.',
  'Write a function that checks whether a string is a palindrome, ignoring case and spaces.',
  'Write a Python function that merges two sorted lists into one sorted list without using sort().',
  'Implement a small LRU cache class in Python with get and put methods.',
  'Write a function that groups a list of words by their first letter and returns a dictionary.',
  'Write a JavaScript function that debounces another function by a given number of milliseconds.',
  'Write a SQL query that returns the three customers with the highest total order value.',
  'Write a function that parses a date string like "2024-03-07" and returns the weekday name.',
  'Write a Python generator that yields the lines of a file that contain a given keyword.',
  'Write a function that counts how many times each character appears in a string.',
  'Write a binary search function that returns the index of a target in a sorted list, or -1.',
  'Write a function that validates an email address with a simple regular expression and explain its limits.',
];

const CHITCHAT = [
  'Hi! Can you suggest a relaxing hobby I could pick up this winter?',
  'What are some good questions to ask at the end of a job interview?',
  'I have guests coming tonight. What is an easy vegetarian dinner I can cook in 30 minutes?',
  "Can you recommend a way to remember people's names better?",
  'What should I pack for a three-day hiking trip in autumn?',
  'How do I politely decline an invitation from a coworker?',
  'Tell me a short, light-hearted story about a cat who learns to swim.',
  'What are a few tips for keeping houseplants alive while travelling?',
  'I keep procrastinating on a big project. Any advice?',
  'Give me three ideas for a rainy Sunday afternoon with kids.',
  'What is a good way to start learning to draw as an adult?',
  'Can you help me write a friendly birthday message for my neighbour?',
];

export function codeTask(r: Rng): Task {
  return { text: r.pick(CODE_TASKS), answerFormat: 'code' };
}

export function chitchatTask(r: Rng): Task {
  return { text: r.pick(CHITCHAT), answerFormat: 'text' };
}

/** The input document is long on purpose: summaries are prefill-heavy. */
export const SUMMARIZE_DOC = { median: 1500, sigma: 0.5, min: 400, max: 6000 };

export function summarizeTask(r: Rng, promptScale = 1): Task {
  const doc = document(r, drawLength(r, SUMMARIZE_DOC, promptScale));
  const ask = r.pick([
    'Summarize the report below in five bullet points.',
    'Write a one-paragraph summary of the following report for a busy manager.',
    'List the main decisions and numbers in the report below.',
  ]);
  return { text: `${ask}\n\n# ${doc.title}\n\n${doc.text}`, answerFormat: 'text' };
}

/** Later-turn messages that continue a conversation (no reference answer). */
export const FOLLOW_UPS: Record<string, readonly string[]> = {
  generic: [
    'Thanks. Can you make that shorter?',
    'Could you explain that in simpler words?',
    'Can you give me one more example?',
    'Why is that the case?',
    'Great, and what would you do differently?',
  ],
  code: [
    'Now add unit tests for it.',
    'Can you make it handle empty input?',
    'Please add type hints and a docstring.',
    'What is the time complexity, and can it be faster?',
    'Rewrite it without recursion.',
  ],
  rag: [
    'Which document supports that answer?',
    'Is anything in the documents contradicting this?',
    'Summarize the relevant passage in two sentences.',
  ],
};
