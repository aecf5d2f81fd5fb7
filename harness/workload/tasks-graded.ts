import type { AnswerFormat } from '../../core/answer-format.ts';
import type { Rng } from '../../core/rng.ts';

export interface Task {
  text: string;
  reference?: string;
  answerFormat: AnswerFormat;
}

const NAMES = ['Mara', 'Jonas', 'Priya', 'Tomas', 'Aiko', 'Lena', 'Omar', 'Rosa', 'Felix', 'Nadia'];
const MATH_SUFFIX = '\nGive the final answer as a single number.';

/** Word problems: each returns the text and the exact integer answer. */
const MATH: ((r: Rng) => [string, number])[] = [
  (r) => {
    const [a, b] = [r.intBetween(6, 24), r.intBetween(3, 15)];
    const c = r.intBetween(1, a * b - 1);
    return [
      `A shop packs ${a} pencils into each box. It fills ${b} boxes and then sells ${c} pencils. How many pencils are left?`,
      a * b - c,
    ];
  },
  (r) => {
    const [v, h, m] = [r.intBetween(8, 30), r.intBetween(2, 6), r.intBetween(1, 25)];
    return [
      `A cyclist rides at ${v} km per hour for ${h} hours and then rides ${m} more kilometres. How many kilometres does she ride in total?`,
      v * h + m,
    ];
  },
  (r) => {
    const [n, k, tip] = [r.intBetween(2, 8), r.intBetween(9, 60), r.intBetween(1, 9)];
    return [
      `${n} friends split a bill of ${n * k} dollars equally, and each of them also leaves a ${tip} dollar tip. How many dollars does each friend pay?`,
      k + tip,
    ];
  },
  (r) => {
    const price = 20 * r.intBetween(2, 30);
    const off = r.pick([10, 15, 20, 25, 40, 50]);
    return [
      `A jacket costs ${price} dollars and is discounted by ${off} percent. What is the sale price in dollars?`,
      (price * (100 - off)) / 100,
    ];
  },
  (r) => {
    const [name, gap, brother, years] = [r.pick(NAMES), r.intBetween(2, 9), r.intBetween(4, 30), r.intBetween(2, 10)];
    const sum = brother + years + (brother + gap + years);
    return [
      `${name} is ${gap} years older than her brother. In ${years} years their ages will add up to ${sum}. How old is ${name} now?`,
      brother + gap,
    ];
  },
  (r) => {
    const [start, perDay, days] = [r.intBetween(0, 50), r.intBetween(2, 12), r.intBetween(5, 40)];
    return [
      `A savings jar holds ${start} coins and gains ${perDay} coins every day. How many coins does it hold after ${days} days?`,
      start + perDay * days,
    ];
  },
];

export function mathTask(r: Rng): Task {
  const [text, answer] = r.pick(MATH)(r);
  return { text: text + MATH_SUFFIX, reference: String(answer), answerFormat: 'number' };
}

const LETTERS = ['A', 'B', 'C', 'D'];
const CAPITALS: [string, string][] = [
  ['France', 'Paris'],
  ['Japan', 'Tokyo'],
  ['Canada', 'Ottawa'],
  ['Australia', 'Canberra'],
  ['Kenya', 'Nairobi'],
  ['Egypt', 'Cairo'],
  ['Norway', 'Oslo'],
  ['Peru', 'Lima'],
  ['Portugal', 'Lisbon'],
  ['Thailand', 'Bangkok'],
];
const SYMBOLS: [string, string][] = [
  ['gold', 'Au'],
  ['iron', 'Fe'],
  ['sodium', 'Na'],
  ['potassium', 'K'],
  ['silver', 'Ag'],
  ['lead', 'Pb'],
  ['tin', 'Sn'],
];
const PLANETS: [string, string][] = [
  ['is the largest in the solar system', 'Jupiter'],
  ['is closest to the Sun', 'Mercury'],
  ['is known as the red planet', 'Mars'],
  ['has the most prominent ring system', 'Saturn'],
];
const PRIMES = [29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73];
const COMPOSITES = [21, 27, 33, 35, 39, 45, 49, 51, 55, 57, 63, 65, 69, 77];

/** Question plus the correct option and the wrong options (at least 3). */
const MC: ((r: Rng) => [string, string, string[]])[] = [
  (r) => {
    const [a, b] = [r.intBetween(12, 49), r.intBetween(3, 19)];
    const p = a * b;
    return [`What is ${a} multiplied by ${b}?`, String(p), [p + a, p - b, p + 10, p - 10].map(String)];
  },
  (r) => ['Which of the following numbers is prime?', String(r.pick(PRIMES)), COMPOSITES.map(String)],
  (r) => {
    const [country, city] = r.pick(CAPITALS);
    return [`What is the capital city of ${country}?`, city, CAPITALS.filter(([c]) => c !== country).map(([, x]) => x)];
  },
  (r) => {
    const [element, sym] = r.pick(SYMBOLS);
    return [
      `Which chemical symbol stands for ${element}?`,
      sym,
      SYMBOLS.filter(([e]) => e !== element).map(([, s]) => s),
    ];
  },
  (r) => {
    const [fact, planet] = r.pick(PLANETS);
    return [
      `Which planet ${fact}?`,
      planet,
      ['Venus', 'Neptune', 'Uranus', ...PLANETS.map(([, p]) => p)].filter((p) => p !== planet),
    ];
  },
  (r) => {
    const h = r.intBetween(2, 9) + r.pick([0, 0.5]);
    const m = h * 60;
    return [`How many minutes are there in ${h} hours?`, String(m), [m + 30, m - 30, h * 100, m + 60].map(String)];
  },
];

export function multipleChoiceTask(r: Rng): Task {
  const [question, right, wrongPool] = r.pick(MC)(r);
  const wrong = r.shuffle([...new Set(wrongPool)].filter((w) => w !== right)).slice(0, 3);
  const options = r.shuffle([right, ...wrong]);
  const lines = options.map((o, i) => `${LETTERS[i]}) ${o}`);
  return {
    text: `${question}\n${lines.join('\n')}\nAnswer with the letter of the correct option only.`,
    reference: LETTERS[options.indexOf(right)]!,
    answerFormat: 'letter',
  };
}

const CITIES = ['Lisbon', 'Denver', 'Osaka', 'Tallinn', 'Accra', 'Quito', 'Perth', 'Bergen'];
const ITEMS = ['garden chairs', 'printer paper', 'bicycle parts', 'kitchen scales', 'desk lamps', 'rain jackets'];

export function extractionTask(r: Rng): Task {
  const code = `${String.fromCharCode(65 + r.intBetween(0, 25))}${String.fromCharCode(65 + r.intBetween(0, 25))}-${r.intBetween(1000, 9999)}`;
  const [name, city, item, kg] = [r.pick(NAMES), r.pick(CITIES), r.pick(ITEMS), r.intBetween(2, 480)];
  if (r.chance(0.5)) {
    const fields: [string, string, AnswerFormat][] = [
      ['order number', code, 'text'],
      ['destination city', city, 'text'],
      ['weight in kilograms', String(kg), 'number'],
    ];
    const [ask, value, format] = r.pick(fields);
    return {
      text: `Here is a shipping note.\nCustomer: ${name}\nOrder number: ${code}\nContents: ${item}\nDestination: ${city}\nWeight: ${kg} kg\n\nWhat is the ${ask}? Reply with the value only.`,
      reference: value,
      answerFormat: format,
    };
  }
  const day = r.pick(['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday']);
  const room = `room ${r.intBetween(100, 599)}`;
  return {
    text: `Read this message and extract the meeting room.\n\n"Hi team, ${name} here. The ${item} supplier visit moved to ${day}. We will meet in ${room} at ${r.intBetween(9, 16)}:00, then walk to the loading dock. Please bring order ${code}."\n\nReply with the room only, e.g. "room 123".`,
    reference: room,
    answerFormat: 'text',
  };
}

const POSITIVE = [
  'arrived early and works perfectly',
  'is the best purchase I made this year',
  'exceeded what I hoped for',
  'made my mornings so much easier',
];
const NEGATIVE = [
  'broke after two days',
  'was a complete waste of money',
  'never worked as described',
  'arrived damaged and support ignored me',
];
const TOPICS: Record<string, string[]> = {
  sports: ['Local club wins the cup after a late penalty', 'Marathon runner sets a new course record'],
  finance: ['Central bank holds interest rates steady', 'Shares of the shipping firm fall after weak earnings'],
  weather: ['Heavy rain expected along the coast this weekend', 'Heat warning issued for the valley towns'],
  technology: ['New phone chip promises longer battery life', 'Open-source project releases a faster database engine'],
};

export function classificationTask(r: Rng): Task {
  if (r.chance(0.5)) {
    const positive = r.chance(0.5);
    const review = `The ${r.pick(ITEMS).replace(/s$/, '')} ${r.pick(positive ? POSITIVE : NEGATIVE)}.`;
    return {
      text: `Classify the sentiment of this review as positive or negative.\n\nReview: ${review}\n\nAnswer with one word.`,
      reference: positive ? 'positive' : 'negative',
      answerFormat: 'text',
    };
  }
  const topic = r.pick(Object.keys(TOPICS));
  const headline = r.pick(TOPICS[topic]!);
  return {
    text: `Which topic does this headline belong to: sports, finance, weather or technology?\n\nHeadline: ${headline}\n\nAnswer with one word.`,
    reference: topic,
    answerFormat: 'text',
  };
}
