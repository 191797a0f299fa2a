/**
 * Block Kit checks the fake applies before it accepts a message or a view, with Slack's limits,
 * so that a message the real Slack would refuse is refused here too. The checks cover the blocks
 * and elements Fleet uses; an unknown block type is refused like Slack refuses it.
 */

export const MESSAGE_BLOCK_LIMIT = 50;
export const VIEW_BLOCK_LIMIT = 100;
export const SECTION_TEXT_LIMIT = 3_000;
export const MESSAGE_TEXT_LIMIT = 40_000;

const KNOWN_BLOCK_TYPES = new Set([
  'actions', 'context', 'divider', 'header', 'image', 'input', 'section', 'rich_text', 'markdown', 'file', 'video',
]);

export interface BlockProblem {
  pointer: string;
  message: string;
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkText(text: unknown, pointer: string, limit: number, problems: BlockProblem[], plainOnly = false): void {
  if (!isObject(text)) {
    problems.push({ pointer, message: 'must be a text object' });
    return;
  }
  if (text.type !== 'plain_text' && text.type !== 'mrkdwn') {
    problems.push({ pointer: `${pointer}/type`, message: 'must be plain_text or mrkdwn' });
    return;
  }
  if (plainOnly && text.type !== 'plain_text') problems.push({ pointer: `${pointer}/type`, message: 'must be plain_text' });
  if (typeof text.text !== 'string') {
    problems.push({ pointer: `${pointer}/text`, message: 'must be a string' });
    return;
  }
  if (text.text.length === 0) problems.push({ pointer: `${pointer}/text`, message: 'must be more than 0 characters' });
  if (text.text.length > limit) problems.push({ pointer: `${pointer}/text`, message: `must be less than ${limit + 1} characters` });
}

function checkButton(element: Json, pointer: string, problems: BlockProblem[]): void {
  checkText(element.text, `${pointer}/text`, 75, problems, true);
  if (element.style !== undefined && element.style !== 'primary' && element.style !== 'danger') {
    problems.push({ pointer: `${pointer}/style`, message: 'must be primary or danger' });
  }
  if (typeof element.value === 'string' && element.value.length > 2_000) {
    problems.push({ pointer: `${pointer}/value`, message: 'must be less than 2001 characters' });
  }
  if (element.confirm !== undefined) {
    const confirm = element.confirm;
    if (!isObject(confirm)) {
      problems.push({ pointer: `${pointer}/confirm`, message: 'must be a confirmation dialog object' });
      return;
    }
    checkText(confirm.title, `${pointer}/confirm/title`, 100, problems, true);
    checkText(confirm.text, `${pointer}/confirm/text`, 300, problems);
    checkText(confirm.confirm, `${pointer}/confirm/confirm`, 30, problems, true);
    checkText(confirm.deny, `${pointer}/confirm/deny`, 30, problems, true);
  }
}

function checkOption(option: unknown, pointer: string, problems: BlockProblem[]): void {
  if (!isObject(option)) {
    problems.push({ pointer, message: 'must be an option object' });
    return;
  }
  checkText(option.text, `${pointer}/text`, 75, problems);
  if (typeof option.value !== 'string' || option.value.length > 150) {
    problems.push({ pointer: `${pointer}/value`, message: 'must be a string of at most 150 characters' });
  }
}

function checkElement(element: unknown, pointer: string, problems: BlockProblem[]): void {
  if (!isObject(element)) {
    problems.push({ pointer, message: 'must be an element object' });
    return;
  }
  if (typeof element.action_id === 'string' && element.action_id.length > 255) {
    problems.push({ pointer: `${pointer}/action_id`, message: 'must be less than 256 characters' });
  }
  switch (element.type) {
    case 'button':
      checkButton(element, pointer, problems);
      return;
    case 'static_select':
    case 'multi_static_select': {
      const options = element.options;
      if (!Array.isArray(options) && !Array.isArray(element.option_groups)) {
        problems.push({ pointer: `${pointer}/options`, message: 'must provide options or option_groups' });
        return;
      }
      if (Array.isArray(options)) {
        if (options.length > 100) problems.push({ pointer: `${pointer}/options`, message: 'must have at most 100 items' });
        options.forEach((option, index) => checkOption(option, `${pointer}/options/${index}`, problems));
      }
      return;
    }
    case 'plain_text_input':
    case 'users_select':
    case 'multi_users_select':
    case 'conversations_select':
    case 'channels_select':
    case 'checkboxes':
    case 'radio_buttons':
    case 'overflow':
    case 'datepicker':
    case 'timepicker':
    case 'number_input':
    case 'image':
    case 'external_select':
      return;
    default:
      problems.push({ pointer: `${pointer}/type`, message: `unsupported element type ${JSON.stringify(element.type)}` });
  }
}

function checkBlock(block: unknown, pointer: string, problems: BlockProblem[], blockIds: Set<string>): void {
  if (!isObject(block)) {
    problems.push({ pointer, message: 'must be a block object' });
    return;
  }
  if (typeof block.type !== 'string' || !KNOWN_BLOCK_TYPES.has(block.type)) {
    problems.push({ pointer: `${pointer}/type`, message: `unsupported block type ${JSON.stringify(block.type)}` });
    return;
  }
  if (block.block_id !== undefined) {
    if (typeof block.block_id !== 'string' || block.block_id.length === 0 || block.block_id.length > 255) {
      problems.push({ pointer: `${pointer}/block_id`, message: 'must be a string of 1 to 255 characters' });
    } else if (blockIds.has(block.block_id)) {
      problems.push({ pointer: `${pointer}/block_id`, message: `duplicate block_id ${block.block_id}` });
    } else {
      blockIds.add(block.block_id);
    }
  }
  switch (block.type) {
    case 'header':
      checkText(block.text, `${pointer}/text`, 150, problems, true);
      return;
    case 'section': {
      if (block.text === undefined && block.fields === undefined) {
        problems.push({ pointer, message: 'must provide text or fields' });
      }
      if (block.text !== undefined) checkText(block.text, `${pointer}/text`, SECTION_TEXT_LIMIT, problems);
      if (block.fields !== undefined) {
        if (!Array.isArray(block.fields) || block.fields.length > 10) {
          problems.push({ pointer: `${pointer}/fields`, message: 'must be an array of at most 10 items' });
        } else {
          block.fields.forEach((field, index) => checkText(field, `${pointer}/fields/${index}`, 2_000, problems));
        }
      }
      if (block.accessory !== undefined) checkElement(block.accessory, `${pointer}/accessory`, problems);
      return;
    }
    case 'context': {
      const elements = block.elements;
      if (!Array.isArray(elements) || elements.length === 0 || elements.length > 10) {
        problems.push({ pointer: `${pointer}/elements`, message: 'must be an array of 1 to 10 items' });
        return;
      }
      elements.forEach((element, index) => {
        if (isObject(element) && element.type === 'image') return;
        checkText(element, `${pointer}/elements/${index}`, SECTION_TEXT_LIMIT, problems);
      });
      return;
    }
    case 'actions': {
      const elements = block.elements;
      if (!Array.isArray(elements) || elements.length === 0 || elements.length > 25) {
        problems.push({ pointer: `${pointer}/elements`, message: 'must be an array of 1 to 25 items' });
        return;
      }
      elements.forEach((element, index) => checkElement(element, `${pointer}/elements/${index}`, problems));
      return;
    }
    case 'input':
      checkText(block.label, `${pointer}/label`, 2_000, problems, true);
      checkElement(block.element, `${pointer}/element`, problems);
      return;
    default:
      return;
  }
}

/**
 * The problems with a list of blocks, or an empty list when Slack would accept it.
 *
 * @example
 * checkBlocks([{ type: 'divider' }], MESSAGE_BLOCK_LIMIT); // []
 * checkBlocks([{ type: 'banner' }], MESSAGE_BLOCK_LIMIT); // [{ pointer: '/blocks/0/type', … }]
 */
export function checkBlocks(blocks: unknown, limit: number): BlockProblem[] {
  if (!Array.isArray(blocks)) return [{ pointer: '/blocks', message: 'must be an array' }];
  if (blocks.length > limit) return [{ pointer: '/blocks', message: `must have at most ${limit} items` }];
  const problems: BlockProblem[] = [];
  const blockIds = new Set<string>();
  blocks.forEach((block, index) => checkBlock(block, `/blocks/${index}`, problems, blockIds));
  return problems;
}

/** Slack's wording for block problems, as it puts them in `response_metadata.messages`. */
export function describeBlockProblems(problems: BlockProblem[]): string[] {
  return problems.map((problem) => `[ERROR] ${problem.message} [json-pointer:${problem.pointer}]`);
}
