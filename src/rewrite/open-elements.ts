/**
 * The stack of open elements, kept the way the HTML tree-construction rules keep it (HTML
 * §13.2.6), reduced to what a splicing rewriter needs: which elements are open (for selector
 * matching and for where an element's bytes end), which namespace the tokenizer is in, where
 * the head ends and the body starts. It also tells the tokenizer when a start tag switches it
 * to RCDATA, RAWTEXT, script data or plaintext.
 *
 * An element right after text that the bytes after the element could continue (a `<`, a
 * character reference being written, a CR that a LF would join) is uncertain too: without
 * it, `a<<b class=x></b>p` would become the tag `<p`, and `&am<i></i>p;` an ampersand.
 *
 * Where the browser would rearrange the tree (the adoption agency algorithm with a furthest
 * block, foster parenting in tables, `<body>`/`<html>` attributes merged from the middle of the
 * page, select and template contents, framesets), the builder records a *hazard*. An element
 * whose bytes contain a hazard, or whose start tag closed or reopened other elements, is
 * reported as *uncertain*: removing its bytes might change the DOM elsewhere, so the strip step
 * leaves it in place (fail open).
 *
 * Removing an element can also change how the token after it is parsed: when the element's
 * start tag implied the body (without it, whitespace, comments and head elements after it
 * would stay outside the body) or the head (without it, whitespace and comments after it would
 * not go into the head), or when it came first in a `<pre>` or `<listing>` (without it, a line
 * feed after it would be the one the parser drops there), or when it stood between two runs of
 * text in a table (without it, they would be one run, foster-parented as a whole or not at
 * all), or when it turned the frameset-ok flag off (without it, a later `<frameset>` would
 * replace the body). For those the end is reported once the next token shows that it is
 * parsed the same way either way.
 */
import { documentModeOf } from './document-mode.js';
import {
  type AttributeNeedles,
  type HtmlTokenizer,
  internalize,
  MAX_TAG_ID,
  TAIL_CLOSED,
  type TagToken,
  type TokenSink,
} from './tokenizer.js';

export const NS_HTML = 0;
export const NS_SVG = 1;
export const NS_MATHML = 2;
export type Namespace = typeof NS_HTML | typeof NS_SVG | typeof NS_MATHML;

/** An element on the stack of open elements. */
export interface OpenElement {
  /** Local name, ASCII-lowercased. */
  readonly name: string;
  readonly ns: Namespace;
  /** Offset of the start tag's `<`; for an element the parser implied, of the token that implied it. */
  readonly start: number;
  /** Offset just after the start tag (equal to `start` for implied elements). */
  readonly tagEnd: number;
  /** Values of the attributes selectors look at, by index in `attributeNames`; null when none. */
  readonly attrs: readonly (string | null)[] | null;
  /** Created by the parser without a tag of its own (implied tbody, reconstructed formatting). */
  readonly implied: boolean;
  /** HTML integration point (SVG foreignObject/desc/title, MathML annotation-xml as HTML). */
  readonly integration: boolean;
  /**
   * False when the start tag itself disturbed the tree (see the module comment), apart from
   * closing elements: that is `closedFrom`.
   */
  readonly certainStart: boolean;
  /**
   * Offset of the earliest element the start tag closed (e.g. the `<p>` a `<div>` ends), or -1.
   * Removing the element is still safe when everything it closed was removed too. (Not
   * `Infinity`: a field holding a non-integer costs every element a heap number.)
   */
  readonly closedFrom: number;
  /** @internal What the tree-construction rules ask of the element, as `K_*` bits. */
  readonly kind: number;
  /**
   * @internal Whether a listener asked to hear of the element's end (see
   * {@link TreeListener.elementStart}): the verdict on an end is worked out only for those.
   */
  watched: boolean;
}

/** What the rewrite steps hear from the tree builder. */
export interface TreeListener {
  /**
   * An element was created. `depth` is the number of its ancestors on `stack`; a void element
   * (or a self-closing foreign one) is not left on the stack and ends at `el.tagEnd`. Returns
   * true to hear of the element's end: working out whether an end is certain costs time, and
   * a page has thousands of elements of which a step follows a few.
   */
  elementStart?(el: OpenElement, tag: TagToken | null, depth: number, isVoid: boolean): boolean;
  /**
   * An element a step asked for (see {@link elementStart}) ended, void ones too; its bytes end
   * at `end`; `certain` as in the module comment. Where removing it could change how the token
   * after it is parsed (it implied the body, or it turned the frameset-ok flag off), this comes
   * once that token is known, before anything the token creates.
   */
  elementEnd?(el: OpenElement, end: number, certain: boolean): void;
  /** The head element was created; the beacon may go at `at` (after `<head>`, or before the token that implied it). */
  headStart?(at: number): void;
  /** The head closed at `at` (before the token that closed it). */
  headEnd?(at: number, explicitHead: boolean, headHadContent: boolean): void;
  /** A `<frameset>` start tag at `at` replaces the body: nothing placed after it is kept. */
  framesetStart?(at: number): void;
  /** The body started: after an explicit `<body>` tag, or before the token that implied it. */
  bodyStart?(at: number, explicit: boolean): void;
  /** The first `</body>` (or `</html>`) seen while in the body, at its `<`. */
  bodyEndTag?(at: number): void;
  /**
   * End of input; `inData` false when the stream ended inside a tag, comment or raw text. The
   * elements still open are reported ended after this.
   */
  end?(at: number, inData: boolean): void;
}

const M_BEFORE_HEAD = 0;
const M_IN_HEAD = 1;
const M_AFTER_HEAD = 2;
const M_BODY = 3;
const M_TABLE = 4;
const M_TBODY = 5;
const M_ROW = 6;
const M_CELL = 7;
const M_CAPTION = 8;
const M_COLGROUP = 9;
const M_SELECT = 10;
const M_TEMPLATE = 11;
const M_FRAMESET = 12;

const set = (s: string) => new Set(s.split(' ').map(internalize));

const VOID = set(
  'area base basefont bgsound br col embed frame hr img image input keygen link meta param source track wbr',
);
const IMPLIED_END = set('dd dt li optgroup option p rb rp rt rtc');
const FORMATTING = set('a b big code em font i nobr s small strike strong tt u');
const CLOSES_P = set(
  'address article aside blockquote center details dialog dir div dl fieldset figcaption figure footer header hgroup main menu nav ol p search section summary ul',
);
const HEADINGS = set('h1 h2 h3 h4 h5 h6');
const BLOCK_END = set(
  'address article aside blockquote button center details dialog dir div dl fieldset figcaption figure footer header hgroup listing main menu nav ol pre search section summary ul',
);
const HEAD_CONTENT = set('base basefont bgsound link meta noframes script style template title');
const TABLE_PARTS = set('caption col colgroup tbody td tfoot th thead tr');
const SECTIONS = set('tbody tfoot thead');
const BREAKOUT = set(
  'b big blockquote body br center code dd div dl dt em embed h1 h2 h3 h4 h5 h6 head hr i img li listing menu meta nobr ol p pre ruby s small span strong strike sub sup table tt u ul var',
);
const MATHML_TEXT = set('mi mo mn ms mtext');
const SPECIAL = set(
  'address applet area article aside base basefont bgsound blockquote body br button caption center col colgroup dd details dir div dl dt embed fieldset figcaption figure footer form frame frameset h1 h2 h3 h4 h5 h6 head header hgroup hr html iframe img input keygen li link listing main marquee menu meta nav noembed noframes noscript object ol p param plaintext pre script search section select source style summary table tbody td template textarea tfoot th thead title tr track ul wbr xmp',
);
const SCOPE_HTML = set('applet caption html table td th marquee object template');
const SVG_INTEGRATION = set('foreignobject desc title');
/** The special elements a new list item looks past for an open one (§13.2.6.4.7). */
const LIST_ITEM_PASSES = set('address div p');

const SCOPE_DEFAULT = 0;
const SCOPE_LIST = 1;
const SCOPE_BUTTON = 2;
const SCOPE_TABLE = 3;
const SCOPE_SELECT = 4;

// What the rules ask of an open element, computed once when it is created: whether it is
// special, a boundary of each kind of scope, in the implied-end-tags list, a heading, a MathML
// text integration point, and which insertion mode it selects (HTML §13.2.4.1), plus one.
const K_SPECIAL = 1 << 0;
const K_IMPLIED_END = 1 << 1;
const K_HEADING = 1 << 2;
const K_MATH_TEXT = 1 << 3;
const K_SCOPE_SHIFT = 4; // one bit per SCOPE_* kind
const K_MODE_SHIFT = 12;
/** The mode field of `html`, whose mode depends on the head and body seen so far. */
const K_MODE_HTML = 15;
/** An HTML `p` or `button`: counted while open, so most scope checks for them need no walk. */
const K_P = 1 << 16;
const K_BUTTON = 1 << 17;
/** An HTML `pre` or `listing`: the parser drops a line feed right after its start tag. */
const K_DROPS_LF = 1 << 18;
/** An HTML formatting element (§13.2.4.3). */
const K_FORMATTING = 1 << 19;

const ELEMENT_MODES: Record<string, number> = {
  select: M_SELECT,
  td: M_CELL,
  th: M_CELL,
  tr: M_ROW,
  tbody: M_TBODY,
  thead: M_TBODY,
  tfoot: M_TBODY,
  caption: M_CAPTION,
  colgroup: M_COLGROUP,
  table: M_TABLE,
  template: M_TEMPLATE,
  head: M_IN_HEAD,
  body: M_BODY,
  frameset: M_FRAMESET,
};

const kindCache: Map<string, number>[] = [new Map(), new Map(), new Map()];

function kindOf(name: string, ns: Namespace): number {
  const cache = kindCache[ns]!;
  let k = cache.get(name);
  if (k === undefined) {
    k = computeKind(name, ns);
    if (cache.size < 4096) cache.set(name, k);
  }
  return k;
}

function computeKind(name: string, ns: Namespace): number {
  const special =
    ns === NS_HTML
      ? SPECIAL.has(name)
      : ns === NS_SVG
        ? SVG_INTEGRATION.has(name)
        : MATHML_TEXT.has(name) || name === 'annotation-xml';
  let k = special ? K_SPECIAL : 0;
  if (ns === NS_MATHML && MATHML_TEXT.has(name)) k |= K_MATH_TEXT;
  if (ns === NS_HTML) {
    if (IMPLIED_END.has(name)) k |= K_IMPLIED_END;
    if (HEADINGS.has(name)) k |= K_HEADING;
    if (name === 'p') k |= K_P;
    else if (name === 'button') k |= K_BUTTON;
    else if (name === 'pre' || name === 'listing') k |= K_DROPS_LF;
    if (FORMATTING.has(name)) k |= K_FORMATTING;
    if (name === 'html') k |= K_MODE_HTML << K_MODE_SHIFT;
    else if (Object.hasOwn(ELEMENT_MODES, name)) k |= (ELEMENT_MODES[name]! + 1) << K_MODE_SHIFT;
  }
  const boundaries = [
    [SCOPE_DEFAULT, ns === NS_HTML ? SCOPE_HTML.has(name) : special],
    [SCOPE_LIST, ns === NS_HTML ? SCOPE_HTML.has(name) || name === 'ol' || name === 'ul' : special],
    [SCOPE_BUTTON, ns === NS_HTML ? SCOPE_HTML.has(name) || name === 'button' : special],
    [SCOPE_TABLE, ns === NS_HTML && (name === 'html' || name === 'table' || name === 'template')],
    [SCOPE_SELECT, ns !== NS_HTML || (name !== 'optgroup' && name !== 'option')],
  ] as const;
  for (const [scope, boundary] of boundaries) if (boundary) k |= 1 << (K_SCOPE_SHIFT + scope);
  return k;
}

/** Start tags that set the frameset-ok flag to "not ok" in the body (HTML §13.2.6.4.7). */
const FRAMESET_OFF = set(
  'applet area br button dd dt embed hr iframe image img input keygen li listing marquee object pre select table template textarea wbr xmp',
);
/**
 * Start tags that, after the head, do not simply start the body (§13.2.6.4.6); and `noscript`,
 * which does not either while the head is still open (§13.2.6.4.4, scripting on).
 */
const NOT_BODY_START = set(
  'base basefont bgsound body frameset head html link meta noframes noscript script style template title',
);

// The sets above as bits per tag name, so that a tag is looked up once per rule it meets.
const T_HEAD_CONTENT = 1 << 0;
const T_CLOSES_P = 1 << 1;
const T_HEADING = 1 << 2;
const T_FORMATTING = 1 << 3;
const T_TABLE_PART = 1 << 4;
const T_VOID = 1 << 5;
const T_FRAMESET_OFF = 1 << 6;
const T_BLOCK_END = 1 << 7;
/** Start tags with a rule of their own in "in body" (§13.2.6.4.7). */
const T_BODY_START_RULE = 1 << 8;
/** End tags with a rule of their own in "in body". */
const T_BODY_END_RULE = 1 << 9;

const TAG_FLAGS = new Map<string, number>();
for (const [names, bit] of [
  [HEAD_CONTENT, T_HEAD_CONTENT],
  [CLOSES_P, T_CLOSES_P],
  [HEADINGS, T_HEADING],
  [FORMATTING, T_FORMATTING],
  [TABLE_PARTS, T_TABLE_PART],
  [VOID, T_VOID],
  [FRAMESET_OFF, T_FRAMESET_OFF],
  [BLOCK_END, T_BLOCK_END],
  [
    set(
      'html body frameset pre listing form li dd dt plaintext button applet marquee object table hr image textarea xmp iframe noembed noscript select optgroup option rb rtc rp rt math svg frame head',
    ),
    T_BODY_START_RULE,
  ],
  [set('template body html form p li dd dt applet marquee object br'), T_BODY_END_RULE],
] as const) {
  for (const name of names) TAG_FLAGS.set(name, (TAG_FLAGS.get(name) ?? 0) | bit);
}

// `TAG_FLAGS` and the HTML kind of each name by the tokenizer's name number, filled as names
// come: an array index instead of a string lookup per tag. -1: not looked up yet.
const flagsById = new Int32Array(MAX_TAG_ID).fill(-1);
const htmlKindById = new Int32Array(MAX_TAG_ID).fill(-1);

/** `TAG_FLAGS` of `name`, the name of `tag` or one the rules substituted. */
function tagFlags(tag: TagToken, name: string): number {
  const id = tag.id;
  if (id === 0 || name !== tag.name) return TAG_FLAGS.get(name) ?? 0;
  let f = flagsById[id]!;
  if (f < 0) f = flagsById[id] = TAG_FLAGS.get(name) ?? 0;
  return f;
}

/** {@link kindOf} of an element named `name` in `ns`, made from `tag` (or implied). */
function kindFor(tag: TagToken | null, name: string, ns: Namespace): number {
  if (tag === null || ns !== NS_HTML || tag.id === 0 || name !== tag.name) return kindOf(name, ns);
  const id = tag.id;
  let k = htmlKindById[id]!;
  if (k < 0) k = htmlKindById[id] = kindOf(name, ns);
  return k;
}

const NEVER = Number.POSITIVE_INFINITY;

/**
 * End tags a table's modes ignore when no table is open (in a template's content): those of
 * table parts, `</body>` and `</html>` (§13.2.6.4.9, .13, .14).
 */
const TABLE_MODE_IGNORED_END = set(
  'body caption col colgroup html table tbody td tfoot th thead tr',
);

// How a template's content is parsed (see TreeBuilder.templateContent): as the body, as a
// column group, or in one of a table's modes: in table, in table body, in row.
const TEMPLATE_BODY = 0;
const TEMPLATE_COLUMNS = 1;
const TEMPLATE_TABLE = 2;
const TEMPLATE_TBODY = 3;
const TEMPLATE_ROW = 4;

// The kind of token being processed, for judging what follows an element.
const T_TEXT = 0;
const T_START = 1;
const T_END = 2;
const T_COMMENT = 3;
const T_DOCTYPE = 4;
const T_EOF = 5;
const T_EOF_INSIDE = 6;

/** An element whose end waits for the token after it (see {@link TreeListener.elementEnd}). */
interface PendingEnd {
  el: OpenElement;
  end: number;
  body: boolean;
  head: boolean;
  pre: boolean;
  /** Text came right before it, in a table (see {@link TreeBuilder.tableText}). */
  joins: boolean;
  /** With `joins`: that text had a character (not only whitespace); whitespace came after. */
  runCharacter: boolean;
  spaceAfter: boolean;
  /**
   * A marker of an element inside it (or its own) was in the list of active formatting
   * elements when it ended, during the token at `markerToken`: if one is left once that token
   * is done, it keeps formatting elements from being reopened after it.
   */
  marker: boolean;
  markerToken: number;
  frameset: boolean;
}

/** SVG element names the parser spells in camel case (`clipPath`), as a tokenizer lowercases them. */
const SVG_CAMEL_CASE = set(
  'altglyph altglyphdef altglyphitem animatecolor animatemotion animatetransform clippath ' +
    'feblend fecolormatrix fecomponenttransfer fecomposite feconvolvematrix fediffuselighting ' +
    'fedisplacementmap fedistantlight fedropshadow feflood fefunca fefuncb fefuncg fefuncr ' +
    'fegaussianblur feimage femerge femergenode femorphology feoffset fepointlight ' +
    'fespecularlighting fespotlight fetile feturbulence foreignobject glyphref lineargradient ' +
    'radialgradient textpath',
);

/**
 * Start tags in a select after which the older rules close the option or the select, while
 * customizable `<select>` (Chromium 156) nests the element in what it has open there.
 */
const SELECT_CLOSES_CONTENT = set('option optgroup hr');

/** Void elements that a select's content may have in Chromium 156 (see selectContent). */
const SELECT_VOID_CONTENT = set('img br wbr source track');

/** Elements a select's content may have open in Chromium 156 that close nothing there. */
const SELECT_CONTAINERS = set(
  'span button selectedcontent label bdi bdo abbr cite data dfn kbd mark q samp sub sup time ' +
    'var ins del picture',
);

/** The same, for elements that close an open `<p>` (none is open: see selectContent). */
const SELECT_CONTAINER_CLOSES_P = set(
  'div section article aside header footer nav main figure figcaption',
);

const CLEAR_STOPS: Record<string, Set<string>> = {
  table: set('table template html'),
  'tbody tfoot thead': set('tbody tfoot thead template html'),
  tr: set('tr template html'),
};

/** Builds the stack of open elements from tokens; see the module comment. */
export class TreeBuilder implements TokenSink {
  /** The stack of open elements, root first. */
  readonly stack: OpenElement[] = [];
  private readonly listener: TreeListener;
  private readonly attributeNames: readonly string[];
  private tokenizer: HtmlTokenizer | null = null;
  private afe: (OpenElement | null)[] = [];
  /**
   * Where the element of each marker in {@link afe} starts, in order. A marker can outlive its
   * element (`</template>` clears to the last marker, which may be an `<object>`'s inside it).
   */
  private markerStarts: number[] = [];
  private form: OpenElement | null = null;
  private head: OpenElement | null = null;
  private explicitHead = false;
  private headHadContent = false;
  private headClosed = false;
  private bodyOpen = false;
  /** The insertion mode {@link mode} last computed, or -1. */
  private modeCache = -1;
  private bodyEndSeen = false;
  private afterBody = false;
  /**
   * After `</body>` (or `</html>`): where it was, and whether comments (which go outside the
   * open elements) and whitespace (which goes into them) followed before the body reopened.
   */
  private afterBodyAt = -1;
  private commentAfterBody = false;
  private spaceAfterBody = false;
  private textElement: OpenElement | null = null;
  private templates = 0;
  private quirks = true;
  private sawToken = false;
  /** Tree rearrangements this builder does not model: no element is certain any more. */
  private lost = false;
  private lastHazard = -1;
  /** Set while one token is processed when it reopened, implied or fostered other elements. */
  private disturbed = false;
  /** Start of the earliest element the token being processed closed, or -1. */
  private poppedFrom = -1;
  /** Where text of only NULs (and whitespace) came after `</body>`, until a character came. */
  private nulAfterBody = -1;
  /** The token before the one being processed: its kind and start. */
  private prevKind = -1;
  private prevStart = -1;
  // The token being processed.
  private tokKind = T_TEXT;
  private tokStart = 0;
  private tokFirst = -1;
  private tokTag: TagToken | null = null;
  /**
   * The current node that the token being processed met, when it went by the HTML rules;
   * null when it went by the foreign content rules (see {@link ended}).
   */
  private htmlMet: OpenElement | null = null;
  /** Set from the implied body until the token that implied it creates its element. */
  private impliesBody = false;
  /** The element whose start tag implied the body: without it the body starts later. */
  private bodyImplier: OpenElement | null = null;
  /** Set from the implied head until the token that implied it creates its element. */
  private impliesHead = false;
  /** The element whose start tag implied the head: without it the head starts later. */
  private headImplier: OpenElement | null = null;
  /** Set when the element the token creates comes first in a `<pre>` in the output. */
  private chainPre = false;
  /** The element that came first in a `<pre>` or `<listing>` (see {@link preFollows}). */
  private preFirst: OpenElement | null = null;
  /** Set when the element the token creates follows text in a table in the output. */
  private chainTableText = false;
  /** The element that came right after text in a table (see {@link judge}). */
  private tableText: OpenElement | null = null;
  /** Whether the text before {@link tableText} had a character; the same for the chain. */
  private tableTextCharacter = false;
  private chainRunCharacter = false;
  /** Whether the run of text just read (one or more text tokens) has a character. */
  private runCharacter = false;
  /** The text token being processed: its first character (see {@link TokenSink.text}). */
  private tokCharacter = -1;
  private pending: PendingEnd[] = [];
  /** The element popped last: the one whose closing clears to the last marker. */
  private lastPopped: OpenElement | null = null;
  /** Ends waiting for their token to clear the markers (see {@link settleMarkers}). */
  private markerChecks: PendingEnd[] = [];
  /**
   * Set when a removed element's verdict rested on the element the token being processed
   * creates: if that one goes too, the verdict must hold for what follows it as well.
   */
  private chainFrameset = false;
  private framesetChained: OpenElement | null = null;
  /** Where the frameset-ok flag went "not ok" for certain, and where perhaps (§13.2.4.5). */
  private framesetSurelyOff = NEVER;
  private framesetMaybeOff = NEVER;
  /**
   * The open selects whose insertion mode is "in select in table", where table tags close
   * them: those opened while a table's modes applied (§13.2.6.4.7, "select").
   */
  private readonly selectsInTable = new WeakSet<OpenElement>();
  /**
   * The elements Chromium 156 has open in the innermost select beyond its options (see
   * {@link selectContent}), by name, innermost last; and the select they are in.
   */
  private selectShadow: string[] = [];
  private shadowSelect: OpenElement | undefined = undefined;
  /** How each template's content is parsed, once its first start tag said (`TEMPLATE_*`). */
  private readonly templateContents = new WeakMap<OpenElement, number>();
  /** Set while a token's elements are foster-parented (moved in front of the table). */
  private fostering = false;
  /**
   * The outermost foster-parented element, while open, and its index on the stack when it was
   * pushed: elements inside it are not inside the table, whatever the stack says.
   */
  private fostered: OpenElement | null = null;
  private fosteredAt = 0;
  /** Open HTML `p` and `button` elements (see {@link K_P}). */
  private openP = 0;
  private openButtons = 0;

  /** One null per attribute name: copied for an element that has one of them. */
  private readonly noAttrs: (string | null)[];
  /** The lengths of the attribute names, as bits (see {@link TagToken.valuesOf}). */
  private readonly nameLengths: number;

  /** What the selectors need of the attribute values, when that can be checked on the bytes. */
  private readonly needles: AttributeNeedles | null;

  /**
   * `needles`, from the strip matcher (see `StripMatcher.needles`), lets elements whose
   * attribute values cannot match keep none (formatting elements always keep theirs: the
   * parser compares them).
   */
  constructor(
    listener: TreeListener,
    attributeNames: readonly string[] = [],
    needles: AttributeNeedles | null = null,
  ) {
    this.listener = listener;
    this.attributeNames = attributeNames;
    this.needles = needles;
    this.noAttrs = attributeNames.map(() => null);
    this.nameLengths = attributeNames.reduce((bits, n) => bits | (1 << Math.min(n.length, 31)), 0);
  }

  /** Connects the tokenizer whose text mode this builder switches. */
  attach(tokenizer: HtmlTokenizer): void {
    this.tokenizer = tokenizer;
    tokenizer.watchAttributes(this.attributeNames);
  }

  /**
   * Whether the page is in quirks mode (limited quirks counts as not): set by its DOCTYPE, and
   * a page without one is. Final by the page's first element.
   */
  inQuirksMode(): boolean {
    return this.quirks;
  }

  // ── TokenSink ───────────────────────────────────────────────────────────────

  cdataAllowed(): boolean {
    const cur = this.current();
    return cur !== undefined && cur.ns !== NS_HTML;
  }

  doctype(start: number, _end: number, text: string): void {
    this.begin(T_DOCTYPE, start, null, -1);
    // Only a DOCTYPE before anything but whitespace and comments counts, and only the first.
    if (this.sawToken) return;
    this.sawToken = true;
    this.quirks = documentModeOf(text) === 'quirks';
  }

  comment(start: number): void {
    this.begin(T_COMMENT, start, null, -1);
    // After </body> a comment goes outside the open elements, unless into a foreign one.
    const cur = this.current();
    if (this.afterBodyAt >= 0 && (cur === undefined || cur.ns === NS_HTML)) {
      this.commentAfterBody = true;
    }
  }

  text(start: number, end: number, firstNonSpace: number, firstCharacter: number): void {
    this.begin(T_TEXT, start, null, firstNonSpace, firstCharacter);
    if (firstNonSpace >= 0) this.sawToken = true;
    this.runCharacter = (this.prevKind === T_TEXT && this.runCharacter) || firstCharacter >= 0;
    const cur = this.current();
    if (firstNonSpace >= 0 && this.framesetSurelyOff === NEVER && this.textSetsFramesetOff()) {
      // A NUL (which the body drops) turns the flag off only perhaps; the first character
      // after it that is no whitespace for certain, in whatever chunks the text came.
      if (firstCharacter !== firstNonSpace) this.framesetOff(firstNonSpace, false);
      if (firstCharacter >= 0) this.framesetOff(firstCharacter, true);
    }
    if (cur && cur.ns !== NS_HTML && !cur.integration && !isMathText(cur)) return;
    this.htmlMet = cur ?? null;
    // A text that is only the line feed right after <pre> or <listing> is dropped: it reopens
    // no formatting element.
    if (firstNonSpace < 0 && this.dropsLineFeed(cur, start, end)) return;
    const mode = this.mode();
    if (firstNonSpace >= 0) {
      if (firstCharacter < 0 && this.afterBodyAt >= 0) this.nulAfterBody = firstNonSpace;
      this.reopenBody();
    } else if (this.afterBodyAt >= 0) this.spaceAfterBody = true;
    if (firstCharacter >= 0) this.nulAfterBody = -1;
    if (mode <= M_AFTER_HEAD) {
      if (firstNonSpace < 0) return;
      this.leaveHead(firstNonSpace);
      this.openBody(firstNonSpace, false);
    } else if (mode === M_TABLE || mode === M_TBODY || mode === M_ROW) {
      if (firstNonSpace >= 0) this.hazard(firstNonSpace); // foster-parented text
      this.fosterText(start, firstCharacter);
      return;
    } else if (mode === M_COLGROUP && firstNonSpace >= 0 && this.isCurrent('colgroup')) {
      // Text closes the colgroup and is foster-parented out of the table (the whitespace
      // before it stays in the colgroup).
      this.hazard(firstNonSpace);
      this.pop(firstNonSpace);
      this.fosterText(start, firstCharacter);
      return;
    } else if (mode === M_SELECT || mode === M_COLGROUP || mode === M_FRAMESET) {
      return;
    }
    // NULs are dropped without reopening formatting elements; any other character reopens them.
    if (firstCharacter >= 0 || (this.afe.length > 0 && !this.onlyNul(start, end))) {
      this.reconstruct(start);
    }
  }

  startTag(tag: TagToken): void {
    this.begin(T_START, tag.start, tag, -1);
    this.sawToken = true;
    const cur = this.current();
    if (cur && cur.ns !== NS_HTML && !this.htmlContentFor(cur, tag)) {
      this.foreignStart(tag);
      return;
    }
    this.htmlMet = cur ?? null;
    this.reopenForStart(tag);
    this.htmlStart(tag, tag.name);
  }

  /**
   * A start tag the insertion mode takes: after </body> it reopens the body (comments before
   * it went to <html>, so the tag decides where), unless it is `<html>`, which only adds
   * attributes. In foreign content the mode is not consulted, and nothing is reopened.
   */
  private reopenForStart(tag: TagToken): void {
    if (tag.name === 'html') return;
    this.disturbed = this.afterBody;
    this.reopenBody();
  }

  /** An end tag the insertion mode takes (see {@link reopenForStart}). */
  private reopenForEnd(tag: TagToken): void {
    if (this.afterBodyAt >= 0 && tag.name !== 'body' && tag.name !== 'html') this.reopenBody();
  }

  endTag(tag: TagToken): void {
    this.begin(T_END, tag.start, tag, -1);
    this.sawToken = true;
    const text = this.textElement;
    if (text) {
      this.reopenForEnd(tag);
      this.textElement = null;
      this.popThrough(text, tag.start, tag.end);
      return;
    }
    const cur = this.current();
    if (cur && cur.ns !== NS_HTML) {
      this.foreignEnd(tag);
      return;
    }
    this.reopenForEnd(tag);
    this.htmlEnd(tag, tag.name);
  }

  /** End of input at `at`; `inData` as in {@link TreeListener.end}. */
  finish(at: number, endedInData: boolean): void {
    this.begin(endedInData ? T_EOF : T_EOF_INSIDE, at, null, -1);
    // Nothing may be added at the end inside an unclosed template: it would be inert.
    const inData = endedInData && this.templates === 0;
    if (inData) {
      if (!this.headClosed) this.leaveHead(at);
      if (!this.bodyOpen && !this.lost) this.openBody(at, false);
    }
    // Before the elements still open are reported ended: those ends are no place to add to.
    this.listener.end?.(at, inData);
    // Elements still open end at the end of the page, or at a `</body>` after which only
    // comments (which go outside them) came.
    let end = at;
    let after = true;
    // (A comment the page ends in goes into a foreign element, as any comment would.)
    const cur = this.current();
    const foreign = cur !== undefined && cur.ns !== NS_HTML;
    if (this.afterBodyAt >= 0 && (this.commentAfterBody || (!endedInData && !foreign))) {
      end = this.afterBodyAt;
      after = !this.spaceAfterBody;
    }
    while (this.stack.length > 0) {
      const el = this.stack.pop()!;
      this.counted(el, -1);
      this.modeCache = -1;
      if (!el.watched) continue;
      // Nothing follows an element open at the end: no formatting element is reopened after
      // it and no token after it could be parsed differently.
      const certain = after && el.certainStart && !this.lost && this.lastHazard < el.start;
      this.listener.elementEnd?.(el, end, certain);
    }
  }

  /** Back in the body after `</body>`: comments that went outside the open elements matter now. */
  private reopenBody(): void {
    this.afterBody = false;
    if (this.afterBodyAt < 0) return;
    if (this.commentAfterBody) this.hazard(this.afterBodyAt);
    this.afterBodyAt = -1;
    this.commentAfterBody = false;
    this.spaceAfterBody = false;
  }

  /** Starts processing a token: settles the elements waiting for it. */
  private begin(
    kind: number,
    start: number,
    tag: TagToken | null,
    first: number,
    character = -1,
  ): void {
    if (this.markerChecks.length !== 0) this.settleMarkers();
    if (kind !== T_TEXT && this.nulAfterBody >= 0) {
      // NULs after </body>, and no character after them: the standard takes the parser back
      // to the body, so what comes next (a comment) goes into the elements still open;
      // Chromium 156 drops them, and it goes after the body.
      this.loseTrack(this.nulAfterBody);
      this.nulAfterBody = -1;
    }
    // The tokenizer drops some bytes (`</>`) without a token: what follows what is by token.
    this.prevKind = this.tokKind;
    this.prevStart = this.tokStart;
    this.tokKind = kind;
    this.tokStart = start;
    this.tokTag = tag;
    this.tokFirst = first;
    this.tokCharacter = character;
    this.htmlMet = null;
    this.disturbed = false;
    this.poppedFrom = -1;
    this.impliesBody = false;
    this.impliesHead = false;
    this.chainPre = false;
    this.chainTableText = false;
    this.chainFrameset = false;
    if (this.pending.length === 0) return;
    const pending = this.pending;
    this.pending = [];
    for (const p of pending) this.judge(p);
  }

  /** Reports a waiting element's end, or keeps it waiting when the token says nothing yet. */
  private judge(p: PendingEnd): void {
    if ((p.body && !this.bodyFollows()) || (p.pre && !this.preFollows())) {
      this.listener.elementEnd?.(p.el, p.end, false);
      return;
    }
    const head = p.head ? this.headFollows() : 1;
    const joins = p.joins ? this.tableTextFollows(p) : 1;
    const frameset = p.frameset ? this.framesetFollows() : 1;
    if (head === 0 || joins === 0 || frameset === 0 || this.markerLeft(p)) {
      this.listener.elementEnd?.(p.el, p.end, false);
      return;
    }
    if (head < 0 || joins < 0 || frameset < 0) {
      // The token is parsed the same way either way: the next one decides.
      this.pending.push({
        el: p.el,
        end: p.end,
        body: false,
        head: head < 0,
        pre: false,
        joins: joins < 0,
        runCharacter: p.runCharacter,
        spaceAfter: joins < 0,
        frameset: frameset < 0,
        marker: false,
        markerToken: -1,
      });
      return;
    }
    if (p.marker && p.markerToken === this.tokStart) {
      // The token it ended in may still clear the marker: it does so before it creates an
      // element, so the verdict comes then, or with the next token.
      this.markerChecks.push(p);
    }
    // Without the element, the element this tag creates starts the body or the head, comes
    // first in a <pre>, or turns the flag off, in its place: removing that one too needs the
    // same verdict on what follows it.
    if (this.tokKind === T_START || this.tokKind === T_END) {
      if (p.body) this.impliesBody = true;
      if (p.head) this.impliesHead = true;
      if (p.pre) this.chainPre = true;
      if (p.joins) {
        this.chainTableText = true;
        this.chainRunCharacter = p.runCharacter;
      }
      if (p.frameset) this.chainFrameset = true;
    }
    if (p.marker && p.markerToken === this.tokStart) return;
    this.listener.elementEnd?.(p.el, p.end, true);
  }

  /** Whether the verdict on an element ending now may wait for what follows (see {@link ended}). */
  private waits(el: OpenElement): boolean {
    return (
      el === this.bodyImplier ||
      el === this.headImplier ||
      el === this.preFirst ||
      el === this.tableText ||
      el === this.framesetChained ||
      (this.framesetMaybeOff !== NEVER && !(this.framesetSurelyOff < el.start)) ||
      this.markerStarts.length !== 0
    );
  }

  /** Reports the ends that waited for the token they ended in to clear its markers. */
  private settleMarkers(): void {
    const checks = this.markerChecks;
    if (checks.length === 0) return;
    this.markerChecks = [];
    for (const p of checks) {
      const certain = !this.markerWithin(p.el.start, p.end) && this.lastHazard < p.el.start;
      this.listener.elementEnd?.(p.el, p.end, certain);
    }
  }

  /** Whether a marker of an element inside `p.el` (or its own) outlived it (see {@link PendingEnd.marker}). */
  private markerLeft(p: PendingEnd): boolean {
    if (!p.marker || p.markerToken === this.tokStart) return false;
    return this.markerWithin(p.el.start, p.end);
  }

  /** Whether a marker of an element starting in `[from, to)` is in the list. */
  private markerWithin(from: number, to: number): boolean {
    const markers = this.markerStarts;
    for (let i = markers.length - 1; i >= 0; i--) {
      const at = markers[i]!;
      if (at < to) return at >= from;
    }
    return false;
  }

  /**
   * Reports the end of an element the parser closed. When its removal could change how the
   * next token is parsed, the verdict waits for that token (or is taken now, when the element
   * ended at the start of the token being processed).
   */
  private ended(el: OpenElement, end: number, certain: boolean): void {
    // An integration point closed by the token after it: without it, that token would be
    // parsed as foreign content.
    if (certain && end <= this.tokStart && (el.integration || isMathText(el))) certain = false;
    // The same for one that held the integration point the token met (or the HTML inside it),
    // when it sits in foreign content: `<svg><g class=help><title><tr>` makes an HTML row.
    const met = this.htmlMet;
    if (certain && end <= this.tokStart && met !== null) {
      const parent = this.current();
      if (
        met.start >= el.start &&
        parent !== undefined &&
        parent.ns !== NS_HTML &&
        !parent.integration &&
        !isMathText(parent)
      ) {
        certain = false;
      }
    }
    // An element the parser implied has no bytes of its own to remove: nothing waits on it.
    if (certain && !el.implied && this.waits(el)) {
      const body = el === this.bodyImplier;
      const head = el === this.headImplier;
      const pre = el === this.preFirst;
      const joins = el === this.tableText;
      // Without the element, the flag could still be "ok" when a later <frameset> comes.
      const frameset =
        el === this.framesetChained ||
        (this.framesetMaybeOff !== NEVER && !(this.framesetSurelyOff < el.start));
      const marker = this.markerWithin(el.start, end);
      if (body || head || pre || joins || frameset || marker) {
        const runCharacter = joins && this.tableTextCharacter;
        const p = {
          el,
          end,
          body,
          head,
          pre,
          joins,
          runCharacter,
          spaceAfter: false,
          frameset,
          marker,
          markerToken: this.tokStart,
        };
        if (end > this.tokStart) this.pending.push(p);
        else this.judge(p);
        return;
      }
    }
    this.listener.elementEnd?.(el, end, certain);
  }

  /**
   * Whether the token being processed, following a removed element that implied the body,
   * starts the body just as well without it.
   */
  private bodyFollows(): boolean {
    switch (this.tokKind) {
      case T_TEXT: {
        const first = this.tokFirst;
        // A character reference could be whitespace, which would stay outside the body.
        return first === this.tokStart && this.tokenizer?.byteAt(first) !== 0x26;
      }
      case T_START:
        return !NOT_BODY_START.has(this.tokTag!.name);
      case T_END:
        return /^(body|br|html)$/.test(this.tokTag!.name);
      case T_EOF:
        return true;
      default:
        // A DOCTYPE among them: without the element it could be the page's first token, which
        // counts (and sets the quirks mode).
        return false;
    }
  }

  /**
   * Whether the run of text that starts or goes on with the token being processed, after a
   * removed element that came right after text in a table, is parsed the same way when the two
   * runs are one: both foster-parented, or neither (1); not so (0); not known yet (-1: only
   * whitespace so far, and more text may follow).
   */
  private tableTextFollows(p: PendingEnd): number {
    if (this.tokKind === T_TEXT) {
      // Two runs both moved out reopen formatting elements each (see reconstruct).
      if (this.tokCharacter >= 0) return p.runCharacter && this.afe.length === 0 ? 1 : 0;
      return -1;
    }
    // The run after it, if any, was whitespace.
    return p.spaceAfter && p.runCharacter ? 0 : 1;
  }

  /**
   * Whether the token being processed, following a removed element that implied the head, is
   * parsed the same way without it (1), not (0: before the head exists, whitespace and
   * comments do not go into the head, and a `<head>` tag makes the head with its attributes),
   * or says nothing either way (-1: tokens ignored in both places).
   */
  private headFollows(): number {
    switch (this.tokKind) {
      case T_TEXT: {
        const first = this.tokFirst;
        return first === this.tokStart && this.tokenizer?.byteAt(first) !== 0x26 ? 1 : 0;
      }
      case T_START: {
        const name = this.tokTag!.name;
        // `<html>` only adds attributes, before the head and in it alike.
        return name === 'head' ? 0 : name === 'html' ? -1 : 1;
      }
      case T_END:
        // Other end tags are ignored before the head and in it alike.
        return /^(head|body|br|html)$/.test(this.tokTag!.name) ? 1 : -1;
      case T_EOF:
        return 1;
      default:
        // A DOCTYPE among them (see bodyFollows).
        return 0;
    }
  }

  /**
   * Whether the token being processed, following a removed element that came first in a
   * `<pre>` or `<listing>`, is parsed the same way without it: not a line feed (a carriage
   * return becomes one), which would then be dropped.
   */
  private preFollows(): boolean {
    if (this.tokKind !== T_TEXT) return true;
    const c = this.tokenizer?.byteAt(this.tokStart);
    return c !== 0x0a && c !== 0x0d;
  }

  /**
   * Whether the token being processed, following a removed element that turned the
   * frameset-ok flag off, turns it off for certain (1), could be a `<frameset>` or leaves the
   * flag in doubt (0), or says nothing either way (-1: whitespace, comments, end tags).
   */
  private framesetFollows(): number {
    switch (this.tokKind) {
      case T_TEXT: {
        const first = this.tokFirst;
        if (first < 0) return -1;
        return this.tokenizer?.byteAt(first) !== 0 && this.textSetsFramesetOff() ? 1 : 0;
      }
      case T_START:
        return this.tagSetsFramesetOff(this.tokTag!) ? 1 : 0;
      case T_END: {
        const name = this.tokTag!.name;
        // </br> is a <br>; a stray </p> makes an element, which must not wait for this one.
        if (name === 'br') return 1;
        return name === 'p' ? 0 : -1;
      }
      case T_COMMENT:
      case T_DOCTYPE:
        return -1;
      default:
        return 1;
    }
  }

  private textSetsFramesetOff(): boolean {
    const cur = this.current();
    if (cur && cur.ns !== NS_HTML && !cur.integration && !isMathText(cur)) return true;
    const mode = this.mode();
    return mode !== M_SELECT && mode !== M_FRAMESET;
  }

  private tagSetsFramesetOff(tag: TagToken): boolean {
    const name = tag.name;
    if (!FRAMESET_OFF.has(name)) return false;
    if (name === 'input' && tag.attr('type')?.toLowerCase() === 'hidden') return false;
    const cur = this.current();
    if (cur && cur.ns !== NS_HTML && !this.htmlContentFor(cur, tag) && !BREAKOUT.has(name)) {
      return false;
    }
    const mode = this.mode();
    if (mode === M_SELECT) return name === 'input' || name === 'keygen' || name === 'textarea';
    return mode !== M_FRAMESET && mode !== M_TEMPLATE;
  }

  private framesetOff(at: number, sure: boolean): void {
    if (sure && at < this.framesetSurelyOff) this.framesetSurelyOff = at;
    if (at < this.framesetMaybeOff) this.framesetMaybeOff = at;
  }

  // ── helpers ─────────────────────────────────────────────────────────────────

  /** Whether text here would be table text: kept in the table when all whitespace, else moved. */
  private inTableText(): boolean {
    const mode = this.mode();
    return mode === M_TABLE || mode === M_TBODY || mode === M_ROW;
  }

  /**
   * Whether an element of `kind` about to be pushed is at or inside a special element inside
   * an open formatting element: the adoption agency's furthest block and its children.
   */
  private adoptable(kind: number): boolean {
    let special = (kind & K_SPECIAL) !== 0;
    const stack = this.stack;
    for (let i = stack.length - 1; i >= 0; i--) {
      const k = stack[i]!.kind;
      if (special && (k & K_FORMATTING) !== 0) return true;
      if ((k & K_SPECIAL) !== 0) special = true;
    }
    return false;
  }

  /**
   * How the content of the innermost open template is parsed (`TEMPLATE_*`), which its first
   * start tag other than head content decides (§13.2.6.4.18): after `<col>` as a column group
   * whose current node is no `<colgroup>` (every start tag but `<col>` and `<template>` is
   * ignored, raw text ones too); after another table part in a table's mode for it (in table
   * after a caption, column group or section, in table body after `<tr>`, in row after a cell),
   * for the rest of the template; else as in the body (where table parts are ignored).
   */
  private templateContent(name: string): number {
    const template = this.innermostTemplate();
    if (template === undefined) return TEMPLATE_TABLE;
    let content = this.templateContents.get(template);
    if (content === undefined) {
      if (HEAD_CONTENT.has(name)) return TEMPLATE_BODY;
      content =
        name === 'col'
          ? TEMPLATE_COLUMNS
          : name === 'tr'
            ? TEMPLATE_TBODY
            : name === 'td' || name === 'th'
              ? TEMPLATE_ROW
              : TABLE_PARTS.has(name)
                ? TEMPLATE_TABLE
                : TEMPLATE_BODY;
      this.templateContents.set(template, content);
    }
    return content;
  }

  private innermostTemplate(): OpenElement | undefined {
    return this.stack[this.innermost('template')];
  }

  /** The index of the innermost open HTML element named `name`, or -1. */
  private innermost(name: string): number {
    const stack = this.stack;
    let i = stack.length - 1;
    while (i >= 0 && !(stack[i]!.ns === NS_HTML && stack[i]!.name === name)) i--;
    return i;
  }

  /**
   * An end tag in a template's content (§13.2.6.4.18). Once a start tag has said how the
   * content is parsed, the end tag goes by that mode's rules: the body's (`</object>` clears
   * its formatting marker, `</a>` runs the adoption agency, `</p>` with no `<p>` makes one), or
   * a table's, which ignore the end tags of table parts and take the others as the body does;
   * a column group's ignore them all. Before that, every one is ignored.
   */
  private templateContentEnd(tag: TagToken, name: string): void {
    const template = this.innermostTemplate();
    const content = template === undefined ? undefined : this.templateContents.get(template);
    if (
      content === TEMPLATE_BODY ||
      (content !== undefined && content >= TEMPLATE_TABLE && !TABLE_MODE_IGNORED_END.has(name))
    ) {
      this.bodyEnd(tag, name);
    }
  }

  /**
   * Whether the whitespace text `[start, end)` is only the line feed (LF, CR or CRLF, perhaps
   * split over two texts) that the parser drops right after the start tag of `cur`.
   */
  private dropsLineFeed(cur: OpenElement | undefined, start: number, end: number): boolean {
    const tokenizer = this.tokenizer;
    if (cur === undefined || (cur.kind & K_DROPS_LF) === 0 || tokenizer === null) return false;
    const first = tokenizer.byteAt(start);
    if (this.prevKind === T_START && cur.start === this.prevStart) {
      this.droppedCr = first === 0x0d && end === start + 1;
      if (first === 0x0d)
        return end === start + 1 || (end === start + 2 && tokenizer.byteAt(start + 1) === 0x0a);
      return first === 0x0a && end === start + 1;
    }
    // The LF of a CRLF whose CR came in the text before.
    const rest = this.prevKind === T_TEXT && this.droppedCr && first === 0x0a && end === start + 1;
    this.droppedCr = false;
    return rest;
  }

  /** Set when the dropped line feed was a CR ending its text: a LF next completes the CRLF. */
  private droppedCr = false;

  /** Text moved out of a table: its characters reopen formatting elements there. */
  private fosterText(start: number, firstCharacter: number): void {
    if (firstCharacter < 0) return;
    this.fostering = true;
    this.reconstruct(start);
    this.fostering = false;
  }

  /** Whether the outermost foster-parented element is still open (see {@link fostered}). */
  private fosterOpen(): boolean {
    const el = this.fostered!;
    const stack = this.stack;
    // Elements below it leave the stack only by being popped, except for a few spliced out.
    if (stack[this.fosteredAt] === el || stack.includes(el)) return true;
    this.fostered = null;
    return false;
  }

  /**
   * Whether the text `[from, to)`, which has no character but whitespace and NULs, is NULs
   * only. (Bytes no longer at hand, of a long CDATA section, count as whitespace.)
   */
  private onlyNul(from: number, to: number): boolean {
    for (let at = from; at < to; at++) if (this.tokenizer?.byteAt(at) !== 0) return false;
    return from < to;
  }

  private current(): OpenElement | undefined {
    // No read past the end of the array: the engine's out-of-bounds path is slower.
    const stack = this.stack;
    const n = stack.length;
    return n === 0 ? undefined : stack[n - 1];
  }

  /** Keeps the counts of open `p` and `button` elements as `el` is pushed (1) or removed (-1). */
  private counted(el: OpenElement, by: 1 | -1): void {
    const k = el.kind;
    if ((k & K_P) !== 0) this.openP += by;
    else if ((k & K_BUTTON) !== 0) this.openButtons += by;
  }

  private hazard(at: number): void {
    if (at > this.lastHazard) this.lastHazard = at;
  }

  private loseTrack(at: number): void {
    this.hazard(at);
    this.lost = true;
  }

  private isCurrent(name: string): boolean {
    const cur = this.current();
    return cur !== undefined && cur.ns === NS_HTML && cur.name === name;
  }

  private htmlContentFor(cur: OpenElement, tag: TagToken): boolean {
    if (cur.integration) return true;
    const name = tag.name;
    if (isMathText(cur)) return name !== 'mglyph' && name !== 'malignmark';
    return cur.ns === NS_MATHML && cur.name === 'annotation-xml' && name === 'svg';
  }

  private mode(): number {
    // Only elements that select a mode (and the head/body flags) change it: kept until then.
    let m = this.modeCache;
    if (m < 0) m = this.modeCache = this.computeMode();
    return m;
  }

  private computeMode(): number {
    const stack = this.stack;
    for (let i = stack.length - 1; i >= 0; i--) {
      const m = (stack[i]!.kind >>> K_MODE_SHIFT) & 15;
      if (m === 0) continue;
      if (m !== K_MODE_HTML) return m - 1;
      return this.head === null ? M_BEFORE_HEAD : this.bodyOpen ? M_BODY : M_AFTER_HEAD;
    }
    return this.bodyOpen ? M_BODY : M_BEFORE_HEAD;
  }

  private captureAttrs(tag: TagToken | null): (string | null)[] | null {
    const names = this.attributeNames;
    if (tag === null || names.length === 0 || tag.firstWanted < 0) return null;
    const needles = this.needles;
    if (
      needles !== null &&
      (tagFlags(tag, tag.name) & T_FORMATTING) === 0 &&
      !tag.mayContain(names, this.nameLengths, needles)
    ) {
      return null;
    }
    return tag.valuesOf(names, this.nameLengths, this.noAttrs);
  }

  private make(
    tag: TagToken | null,
    name: string,
    ns: Namespace,
    at: number,
    attrs: (string | null)[] | null = this.captureAttrs(tag),
  ): OpenElement {
    let integration = false;
    if (ns === NS_SVG) integration = SVG_INTEGRATION.has(name);
    else if (ns === NS_MATHML && name === 'annotation-xml' && tag) {
      const enc = tag.attr('encoding')?.toLowerCase();
      integration = enc === 'text/html' || enc === 'application/xhtml+xml';
    }
    const inTemplate = this.templates > 0;
    // Selectors with combinators read the ancestors off the stack. It has the table above a
    // foster-parented element; and the adoption agency may yet move a special element out of
    // a formatting element around it and wrap its children in a copy of that one.
    const kind = kindFor(tag, name, ns);
    const ancestryUnsure =
      this.needles === null &&
      ((this.fostered !== null && this.fosterOpen()) || this.adoptable(kind));
    return {
      name,
      ns,
      start: tag ? tag.start : at,
      tagEnd: tag ? tag.end : at,
      attrs,
      implied: tag === null,
      integration,
      certainStart:
        !this.lost &&
        !this.disturbed &&
        !inTemplate &&
        (tag === null || tag.tail === TAIL_CLOSED) &&
        !ancestryUnsure,
      closedFrom: this.poppedFrom,
      kind,
      watched: false,
    };
  }

  /**
   * Hands the element the verdicts its token was asked to carry (see {@link judge}), and notes
   * it when it comes first in a `<pre>` or `<listing>`. Called before the element is pushed.
   */
  private claim(el: OpenElement): void {
    const parent = this.current();
    if (
      this.chainPre ||
      (parent !== undefined && (parent.kind & K_DROPS_LF) !== 0 && parent.start === this.prevStart)
    ) {
      this.chainPre = false;
      this.preFirst = el;
    }
    if (this.chainTableText) {
      this.chainTableText = false;
      this.tableText = el;
      this.tableTextCharacter = this.chainRunCharacter;
    } else if (this.prevKind === T_TEXT && this.inTableText()) {
      this.tableText = el;
      this.tableTextCharacter = this.runCharacter;
    }
    if (this.impliesBody) {
      this.impliesBody = false;
      this.bodyImplier = el;
    }
    if (this.impliesHead) {
      this.impliesHead = false;
      this.headImplier = el;
    }
    if (this.chainFrameset) {
      this.chainFrameset = false;
      this.framesetChained = el;
    }
  }

  /** Creates an element and pushes it. */
  private insert(
    tag: TagToken | null,
    name: string,
    ns: Namespace = NS_HTML,
    at = 0,
    structural = false,
  ): OpenElement {
    const el = this.make(tag, name, ns, at);
    // An element the parser implies belongs to the token that implied it: that token's
    // bytes cannot go without changing the tree. (Implied html, head and body are judged by
    // what follows the element that implied them instead.)
    if (tag === null && !structural) this.disturbed = true;
    // The verdicts go to the token's own element (after any the parser implied before it).
    if (tag !== null && !structural) this.claim(el);
    if (this.fostering && this.fostered === null) {
      this.fostered = el;
      this.fosteredAt = this.stack.length;
    }
    this.stack.push(el);
    this.counted(el, 1);
    if ((el.kind >>> K_MODE_SHIFT) & 15) this.modeCache = -1;
    if (name === 'template' && ns === NS_HTML) this.templates++;
    if (this.markerChecks.length !== 0) this.settleMarkers();
    el.watched = this.listener.elementStart?.(el, tag, this.stack.length - 1, false) === true;
    return el;
  }

  /**
   * Creates an element that is not left open (void, or self-closing foreign); with `form`,
   * a form in a table, which becomes the form element pointer.
   */
  private insertVoid(tag: TagToken, name: string, ns: Namespace = NS_HTML, form = false): void {
    const el = this.make(tag, name, ns, tag.start);
    if (form) this.form = el;
    if (this.head && !this.headClosed && this.isCurrent('head')) this.headHadContent = true;
    this.claim(el);
    if (this.markerChecks.length !== 0) this.settleMarkers();
    if (this.listener.elementStart?.(el, tag, this.stack.length, true) === true) {
      this.ended(el, el.tagEnd, this.certainEnd(el));
    }
  }

  /** Pushes an element whose text the tokenizer reads as RCDATA/RAWTEXT/script/plaintext. */
  private insertText(tag: TagToken, name: string): void {
    const el = this.insert(tag, name);
    if (name === 'plaintext') {
      this.tokenizer?.setTextMode('plaintext', name);
      return;
    }
    this.textElement = el;
    const mode =
      name === 'script' ? 'script' : name === 'title' || name === 'textarea' ? 'rcdata' : 'rawtext';
    this.tokenizer?.setTextMode(mode, name);
  }

  private certainEnd(el: OpenElement): boolean {
    if (!el.certainStart || this.lost || this.lastHazard >= el.start) return false;
    if (this.form !== null && this.form.start >= el.start) return false;
    // A formatting element opened inside and left open would be reopened after it.
    const afe = this.afe;
    for (let i = 0; i < afe.length; i++) {
      const entry = afe[i];
      if (entry !== null && entry !== undefined && entry.start >= el.start) return false;
    }
    return true;
  }

  private pop(end: number, closes = true): void {
    const el = this.stack.pop();
    if (!el) return;
    this.counted(el, -1);
    if ((el.kind >>> K_MODE_SHIFT) & 15) this.modeCache = -1;
    // A start tag that closes elements makes the element it opens uncertain, unless they go too.
    if (closes && (this.poppedFrom < 0 || el.start < this.poppedFrom)) this.poppedFrom = el.start;
    if (el.name === 'template' && el.ns === NS_HTML) this.templates--;
    if (el === this.textElement) this.textElement = null;
    this.lastPopped = el;
    if (el.watched) this.ended(el, end, this.certainEnd(el));
  }

  /** Pops until `el` is popped: elements above it end at `at`, `el` ends at `elEnd`. */
  private popThrough(el: OpenElement, at: number, elEnd: number): void {
    const i = this.stack.lastIndexOf(el);
    if (i >= 0) this.popTo(i, at, elEnd);
  }

  /** Pops until the stack is `i` long: elements above index `i` end at `at`, the one at `i` at `elEnd`. */
  private popTo(i: number, at: number, elEnd: number): void {
    while (this.stack.length > i + 1) this.pop(at);
    this.pop(elEnd);
  }

  /** Pops until an HTML element named `name` is popped. */
  private popUntil(name: string, at: number, elEnd: number): void {
    const i = this.innermost(name);
    if (i >= 0) this.popTo(i, at, elEnd);
  }

  private generateImplied(at: number, except = ''): void {
    for (;;) {
      const cur = this.current();
      if (!cur || (cur.kind & K_IMPLIED_END) === 0 || cur.name === except) return;
      this.pop(at);
    }
  }

  private inScope(name: string, kind = SCOPE_DEFAULT): boolean {
    return this.scopeIndex(name, kind) >= 0;
  }

  /**
   * Where on the stack the HTML element `name` is in scope, or -1: the index the end tag's
   * `popUntil` would find, so the caller can pop to it without walking the stack again.
   */
  private scopeIndex(name: string, kind = SCOPE_DEFAULT): number {
    if ((name === 'p' && this.openP === 0) || (name === 'button' && this.openButtons === 0)) {
      return -1;
    }
    const stack = this.stack;
    for (let i = stack.length - 1; i >= 0; i--) {
      const n = stack[i]!;
      if (n.ns === NS_HTML && n.name === name) return i;
      if (isScopeBoundary(n, kind)) return -1;
    }
    return -1;
  }

  /** Whether any of h1–h6 is in scope: one walk for all six names. */
  private headingInScope(): boolean {
    for (let i = this.stack.length - 1; i >= 0; i--) {
      const n = this.stack[i]!;
      if (n.ns === NS_HTML && (n.kind & K_HEADING) !== 0) return true;
      if (isScopeBoundary(n, SCOPE_DEFAULT)) return false;
    }
    return false;
  }

  private closeP(at: number): void {
    // Implied end tags stop at the `p` (none of them is a `p`'s ancestor in scope), so the
    // index stays valid.
    const i = this.scopeIndex('p', SCOPE_BUTTON);
    if (i < 0) return;
    this.generateImplied(at, 'p');
    this.popTo(i, at, at);
  }

  private leaveHead(at: number): void {
    if (this.headClosed) return;
    if (!this.head) {
      this.ensureHtml(at);
      this.head = this.insert(null, 'head', NS_HTML, at, true);
      this.modeCache = -1;
      this.listener.headStart?.(at);
    }
    this.headClosed = true;
    this.listener.headEnd?.(at, this.explicitHead, this.headHadContent);
    if (this.isCurrent('head')) this.pop(at, false);
  }

  private openBody(at: number, explicit: boolean, tag: TagToken | null = null): void {
    if (this.bodyOpen) return;
    this.ensureHtml(at);
    this.bodyOpen = true;
    this.modeCache = -1;
    this.insert(tag, 'body', NS_HTML, at, true);
    if (explicit) this.framesetOff(at, true);
    else this.impliesBody = true;
    this.listener.bodyStart?.(tag ? tag.end : at, explicit);
  }

  private ensureHtml(at: number): void {
    if (this.stack.length === 0 && !this.bodyOpen) this.insert(null, 'html', NS_HTML, at, true);
  }

  // ── active formatting elements ──────────────────────────────────────────────

  private afePush(el: OpenElement): void {
    let same = 0;
    let earliest = -1;
    for (let i = this.afe.length - 1; i >= 0; i--) {
      const e = this.afe[i];
      if (e === null) break;
      if (e !== undefined && e.name === el.name && sameAttrs(e.attrs, el.attrs)) {
        same++;
        earliest = i;
      }
    }
    if (same >= 3) {
      // Noah's Ark clause. The entry it drops stays out: an element around this one matters.
      this.afe.splice(earliest, 1);
      this.hazard(el.start);
    }
    this.afe.push(el);
  }

  /** Pushes a marker for the element the token being processed created. */
  private afeMarker(): void {
    this.afe.push(null);
    this.markerStarts.push(this.tokStart);
  }

  /** Clears to the last marker, as the element just popped closes (see {@link lastPopped}). */
  private afeClearToMarker(): void {
    while (this.afe.length > 0) {
      if (this.afe.pop() === null) {
        const at = this.markerStarts.pop()!;
        // The marker of an element inside, closed without clearing it: without that element,
        // this would clear another marker (or formatting elements past it).
        if (this.lastPopped !== null && at !== this.lastPopped.start) this.hazard(at);
        return;
      }
    }
  }

  private afeRemove(el: OpenElement): void {
    const afe = this.afe;
    // Mostly the last entry (`</a>` right after its `<a>`): no splice needed.
    if (afe[afe.length - 1] === el) {
      afe.pop();
      return;
    }
    const i = afe.lastIndexOf(el);
    if (i >= 0) afe.splice(i, 1);
  }

  private afeLast(name: string): OpenElement | undefined {
    for (let i = this.afe.length - 1; i >= 0; i--) {
      const e = this.afe[i];
      if (e === null) return undefined;
      if (e !== undefined && e.name === name) return e;
    }
    return undefined;
  }

  /** Reopens formatting elements closed by something other than their end tag (§13.2.4.3). */
  private reconstruct(at: number): void {
    const afe = this.afe;
    if (afe.length === 0) return;
    const last = afe[afe.length - 1];
    if (last === null || last === undefined || this.stack.includes(last)) return;
    let i = afe.length - 1;
    while (i > 0) {
      const e = afe[i - 1];
      if (e === null || e === undefined || this.stack.includes(e)) break;
      i--;
    }
    this.disturbed = true;
    for (; i < afe.length; i++) {
      const e = afe[i]!;
      const clone = this.make(null, e.name, NS_HTML, at, e.attrs as (string | null)[] | null);
      this.stack.push(clone);
      this.counted(clone, 1);
      if ((clone.kind >>> K_MODE_SHIFT) & 15) this.modeCache = -1;
      clone.watched =
        this.listener.elementStart?.(clone, null, this.stack.length - 1, false) === true;
      afe[i] = clone;
    }
  }

  /** The adoption agency algorithm, modelled where it leaves the tree simple (§13.2.6.4.7). */
  private adoption(tag: TagToken, name: string, elEnd: number): void {
    const fe = this.afeLast(name);
    if (!fe) {
      this.anyOtherEnd(tag, name);
      return;
    }
    const idx = this.stack.indexOf(fe);
    if (idx < 0) {
      // No longer reopened after this: an element around this end tag matters.
      this.afeRemove(fe);
      this.hazard(tag.start);
      return;
    }
    if (!this.inScopeEl(fe)) return;
    if (this.current() !== fe) {
      this.hazard(tag.start);
      let furthest = false;
      for (let i = idx + 1; i < this.stack.length; i++) {
        if (isSpecial(this.stack[i]!)) furthest = true;
      }
      // With a furthest block the browser moves elements around: stop trusting the stack.
      if (furthest) this.loseTrack(tag.start);
    }
    // A reopened formatting element stands for an entry older than itself: once it is gone,
    // an element around this end tag matters (without it, the entry would be reopened later).
    if (fe.implied) this.hazard(tag.start);
    this.afeRemove(fe);
    this.popThrough(fe, tag.start, elEnd);
  }

  private inScopeEl(el: OpenElement): boolean {
    for (let i = this.stack.length - 1; i >= 0; i--) {
      const n = this.stack[i]!;
      if (n === el) return true;
      if (isScopeBoundary(n, SCOPE_DEFAULT)) return false;
    }
    return false;
  }

  // ── start tags ──────────────────────────────────────────────────────────────

  private foreignStart(tag: TagToken): void {
    const name = tag.name;
    if (
      BREAKOUT.has(name) ||
      (name === 'font' &&
        (tag.indexOf('color') >= 0 || tag.indexOf('face') >= 0 || tag.indexOf('size') >= 0))
    ) {
      for (;;) {
        const cur = this.current();
        if (!cur || cur.ns === NS_HTML || cur.integration || isMathText(cur)) break;
        this.pop(tag.start);
      }
      this.reopenForStart(tag);
      this.htmlStart(tag, name);
      return;
    }
    // After `</body>` a foreign element leaves the parser in "after body", where an HTML
    // start tag would have taken it back to the body: a token inside the element may do that
    // instead (`</f>`), and without the element a comment after it would go outside the body.
    this.disturbed = this.afterBody;
    const ns = this.current()!.ns;
    if (tag.selfClosing) this.insertVoid(tag, name, ns);
    else this.insert(tag, name, ns);
  }

  private htmlStart(tag: TagToken, name: string): void {
    switch (this.mode()) {
      case M_BEFORE_HEAD:
      case M_IN_HEAD:
      case M_AFTER_HEAD:
        this.headModeStart(tag, name);
        return;
      case M_TABLE:
        this.tableStart(tag, name);
        return;
      case M_TBODY:
        this.tbodyStart(tag, name);
        return;
      case M_ROW:
        this.rowStart(tag, name);
        return;
      case M_CELL:
        if (TABLE_PARTS.has(name)) {
          if (!this.inScope('td', SCOPE_TABLE) && !this.inScope('th', SCOPE_TABLE)) return;
          this.closeCell(tag.start);
          this.htmlStart(tag, name);
          return;
        }
        this.bodyStart(tag, name);
        return;
      case M_CAPTION:
        if (TABLE_PARTS.has(name)) {
          if (!this.inScope('caption', SCOPE_TABLE)) return;
          this.closeCaption(tag.start);
          this.htmlStart(tag, name);
          return;
        }
        this.bodyStart(tag, name);
        return;
      case M_COLGROUP:
        if (name === 'col') this.insertVoid(tag, name);
        else if (name === 'template') this.headContent(tag, name);
        else if (this.isCurrent('colgroup')) {
          this.pop(tag.start);
          this.htmlStart(tag, name);
        }
        return;
      case M_SELECT:
        this.selectStart(tag, name);
        return;
      case M_TEMPLATE: {
        this.disturbed = true;
        const content = this.templateContent(name);
        if (content === TEMPLATE_COLUMNS) {
          if (name === 'col') this.insertVoid(tag, name);
          else if (name === 'template') this.headContent(tag, name);
          return;
        }
        if (content === TEMPLATE_BODY) {
          this.bodyStart(tag, name);
          return;
        }
        // A table's mode, with the template in the place of the table: table parts that
        // need one imply their section or row, others are ignored; what is no table's goes
        // into the template as in the body (nothing is moved out: there is no table).
        if (content === TEMPLATE_ROW) this.rowStart(tag, name);
        else if (content === TEMPLATE_TBODY) this.tbodyStart(tag, name);
        else this.tableStart(tag, name);
        return;
      }
      case M_FRAMESET:
        if (name === 'noframes') this.insertText(tag, name);
        return;
      default:
        this.bodyStart(tag, name);
    }
  }

  private headContent(tag: TagToken, name: string): void {
    if (name === 'template') {
      // In the head as in the body (§13.2.6.4.4); only perhaps: Chromium 156 leaves the flag
      // as it was, and a later <frameset> replaces the body there.
      this.framesetOff(tag.start, false);
      this.insert(tag, name);
      this.afeMarker();
    } else if (VOID.has(name)) this.insertVoid(tag, name);
    else this.insertText(tag, name);
  }

  private headModeStart(tag: TagToken, name: string): void {
    if (name === 'html') {
      if (this.stack.length === 0) this.insert(tag, 'html');
      else this.hazard(tag.start);
      return;
    }
    this.ensureHtml(tag.start);
    if (this.head === null) {
      if (name === 'head') {
        this.explicitHead = true;
        this.head = this.insert(tag, 'head', NS_HTML, 0, true);
        this.modeCache = -1;
        this.listener.headStart?.(tag.end);
        return;
      }
      this.head = this.insert(null, 'head', NS_HTML, tag.start, true);
      this.impliesHead = true;
      this.modeCache = -1;
      this.listener.headStart?.(tag.start);
    }
    if (!this.headClosed) {
      if (HEAD_CONTENT.has(name) || name === 'noscript') {
        this.headHadContent = true;
        this.headContent(tag, name);
        return;
      }
      if (name === 'head') return;
      this.leaveHead(tag.start);
    }
    // after head
    if (name === 'body') {
      this.openBody(tag.start, true, tag);
      return;
    }
    if (name === 'frameset') {
      this.listener.framesetStart?.(tag.start);
      this.loseTrack(tag.start);
      this.insert(tag, name);
      this.bodyOpen = true;
      this.modeCache = -1;
      return;
    }
    if (HEAD_CONTENT.has(name)) {
      this.headContent(tag, name);
      return;
    }
    if (name === 'head') return;
    this.openBody(tag.start, false);
    this.htmlStart(tag, name);
  }

  private bodyStart(tag: TagToken, name: string): void {
    const at = tag.start;
    const flags = tagFlags(tag, name);
    if (this.framesetSurelyOff === NEVER && (flags & T_FRAMESET_OFF) !== 0) {
      if (name !== 'input' || tag.attr('type')?.toLowerCase() !== 'hidden') {
        this.framesetOff(at, true);
      }
    }
    if ((flags & T_HEAD_CONTENT) !== 0) {
      this.headContent(tag, name);
      return;
    }
    if ((flags & T_CLOSES_P) !== 0) {
      this.closeP(at);
      this.insert(tag, name);
      return;
    }
    if ((flags & T_HEADING) !== 0) {
      this.closeP(at);
      const cur = this.current();
      if (cur && (cur.kind & K_HEADING) !== 0) {
        this.pop(at);
      }
      this.insert(tag, name);
      return;
    }
    if ((flags & T_FORMATTING) !== 0) {
      if (name === 'a' && this.afeLast('a')) {
        const old = this.afeLast('a')!;
        this.disturbed = true;
        this.adoption(tag, 'a', tag.start);
        this.afeRemove(old);
        const i = this.stack.indexOf(old);
        if (i >= 0) {
          this.stack.splice(i, 1);
          this.counted(old, -1);
          this.modeCache = -1;
          if (old.watched) this.listener.elementEnd?.(old, tag.start, false);
        }
      } else if (name === 'nobr' && this.inScope('nobr')) {
        this.disturbed = true;
        this.adoption(tag, 'nobr', tag.start);
      }
      this.reconstruct(at);
      this.afePush(this.insert(tag, name));
      return;
    }
    if ((flags & T_BODY_START_RULE) === 0) {
      this.bodyStartOther(tag, name, at, flags);
      return;
    }
    switch (name) {
      case 'html':
      case 'body':
        this.hazard(at);
        return;
      case 'frameset':
        // Ignored once the frameset-ok flag is off; otherwise it replaces the body, which this
        // builder does not follow: nothing is certain after it, and a match on it stays.
        if (this.framesetSurelyOff === NEVER) {
          this.loseTrack(at);
          this.insertVoid(tag, name);
        }
        return;
      case 'pre':
      case 'listing':
        this.closeP(at);
        this.insert(tag, name);
        return;
      case 'form':
        if (this.form && this.templates === 0) return;
        this.closeP(at);
        {
          const el = this.insert(tag, name);
          if (this.templates === 0) this.form = el;
        }
        return;
      case 'li':
      case 'dd':
      case 'dt':
        this.closeListItem(at, name);
        this.closeP(at);
        this.insert(tag, name);
        return;
      case 'plaintext':
        this.closeP(at);
        this.insertText(tag, name);
        return;
      case 'button':
        if (this.inScope('button')) {
          this.generateImplied(at);
          this.popUntil('button', at, at);
        }
        this.reconstruct(at);
        this.insert(tag, name);
        return;
      case 'applet':
      case 'marquee':
      case 'object':
        this.reconstruct(at);
        this.insert(tag, name);
        this.afeMarker();
        return;
      case 'table':
        // In quirks mode a table goes inside an open <p>.
        if (!this.quirks) this.closeP(at);
        this.insert(tag, name);
        return;
      case 'hr':
        this.closeP(at);
        this.insertVoid(tag, name);
        return;
      case 'image':
        this.reconstruct(at);
        this.insertVoid(tag, 'img');
        return;
      case 'textarea':
        this.insertText(tag, name);
        return;
      case 'xmp':
        this.closeP(at);
        this.reconstruct(at);
        this.insertText(tag, name);
        return;
      case 'iframe':
      case 'noembed':
      case 'noscript':
        this.insertText(tag, name);
        return;
      case 'select': {
        // A select opened where a table's modes apply (also in a template's table content,
        // and in a cell there) is "in select in table": table tags close it.
        const mode = this.mode();
        const inTable =
          (mode >= M_TABLE && mode <= M_CAPTION) ||
          (mode === M_TEMPLATE && this.templateContent(name) >= TEMPLATE_TABLE);
        this.reconstruct(at);
        const el = this.insert(tag, name);
        if (inTable) this.selectsInTable.add(el);
        return;
      }
      case 'optgroup':
      case 'option':
        if (this.isCurrent('option')) {
          this.pop(at);
        }
        this.reconstruct(at);
        this.insert(tag, name);
        return;
      case 'rb':
      case 'rtc':
      case 'rp':
      case 'rt':
        if (this.inScope('ruby'))
          this.generateImplied(at, name === 'rp' || name === 'rt' ? 'rtc' : '');
        this.insert(tag, name);
        return;
      case 'math':
      case 'svg': {
        this.reconstruct(at);
        const ns = name === 'svg' ? NS_SVG : NS_MATHML;
        if (tag.selfClosing) this.insertVoid(tag, name, ns);
        else this.insert(tag, name, ns);
        return;
      }
      case 'frame':
      case 'head':
        return;
    }
    this.bodyStartOther(tag, name, at, flags);
  }

  /** A start tag in the body that no rule above names. */
  private bodyStartOther(tag: TagToken, name: string, at: number, flags: number): void {
    if ((flags & T_TABLE_PART) !== 0) return; // ignored outside a table
    if ((flags & T_VOID) !== 0) {
      if (name !== 'param' && name !== 'source' && name !== 'track') this.reconstruct(at);
      this.insertVoid(tag, name);
      return;
    }
    this.reconstruct(at);
    this.insert(tag, name);
  }

  /** Whether the innermost open select is "in select in table" (see {@link selectsInTable}). */
  private selectInTable(): boolean {
    const i = this.innermost('select');
    return i >= 0 && this.selectsInTable.has(this.stack[i]!);
  }

  /**
   * After a template inside a select closes, the parser resets the insertion mode: from the
   * select's ancestors this time, up to a table ("in select in table") or a template ("in
   * select"), whatever the mode was before.
   */
  private resetSelectMode(): void {
    if (this.mode() !== M_SELECT) return;
    const i = this.innermost('select');
    if (i < 0) return;
    const select = this.stack[i]!;
    this.selectsInTable.delete(select);
    for (let j = i - 1; j >= 0; j--) {
      const n = this.stack[j]!;
      if (n.ns !== NS_HTML) continue;
      if (n.name === 'template') return;
      if (n.name === 'table') {
        this.selectsInTable.add(select);
        return;
      }
    }
  }

  private closeListItem(at: number, name: string): void {
    const li = name === 'li';
    for (let i = this.stack.length - 1; i >= 0; i--) {
      const n = this.stack[i]!;
      if (n.ns === NS_HTML && (li ? n.name === 'li' : n.name === 'dd' || n.name === 'dt')) {
        this.generateImplied(at, n.name);
        this.popThrough(n, at, at);
        return;
      }
      if (isSpecial(n) && !(n.ns === NS_HTML && LIST_ITEM_PASSES.has(n.name))) {
        const further = li
          ? this.innermost('li')
          : Math.max(this.innermost('dd'), this.innermost('dt'));
        if (isSearch(n) && further >= 0) this.loseTrack(at);
        return;
      }
    }
  }

  private clearTo(names: string, at: number): void {
    const stops = CLEAR_STOPS[names]!;
    for (;;) {
      const cur = this.current();
      if (!cur || (cur.ns === NS_HTML && stops.has(cur.name))) return;
      this.pop(at);
    }
  }

  private closeCell(at: number): void {
    this.generateImplied(at);
    for (let i = this.stack.length - 1; i >= 0; i--) {
      const n = this.stack[i]!;
      if (n.ns === NS_HTML && (n.name === 'td' || n.name === 'th')) {
        this.popThrough(n, at, at);
        break;
      }
    }
    this.afeClearToMarker();
  }

  private closeCaption(at: number): void {
    this.generateImplied(at);
    this.popUntil('caption', at, at);
    this.afeClearToMarker();
  }

  private tableStart(tag: TagToken, name: string): void {
    const at = tag.start;
    switch (name) {
      case 'caption':
        this.clearTo('table', tag.start);
        this.insert(tag, name);
        this.afeMarker();
        return;
      case 'colgroup':
        this.clearTo('table', tag.start);
        this.insert(tag, name);
        return;
      case 'col':
        this.clearTo('table', tag.start);
        this.insert(null, 'colgroup', NS_HTML, at);
        this.insertVoid(tag, name);
        return;
      case 'tbody':
      case 'tfoot':
      case 'thead':
        this.clearTo('table', tag.start);
        this.insert(tag, name);
        return;
      case 'td':
      case 'th':
      case 'tr':
        this.clearTo('table', tag.start);
        this.insert(null, 'tbody', NS_HTML, at);
        this.htmlStart(tag, name);
        return;
      case 'table':
        if (!this.inScope('table', SCOPE_TABLE)) return;
        this.hazard(at);
        this.popUntil('table', at, at);
        this.htmlStart(tag, name);
        return;
      case 'style':
      case 'script':
      case 'template':
        this.headContent(tag, name);
        return;
      case 'input':
        if (tag.attr('type')?.toLowerCase() === 'hidden') {
          this.insertVoid(tag, name);
          return;
        }
        break;
      case 'form':
        if (this.templates > 0 || this.form) return;
        // Popped at once, but it stays the form element pointer: a later <form> is ignored.
        this.insertVoid(tag, name, NS_HTML, true);
        return;
    }
    // Anything else is foster-parented: moved in front of the table. (Not in a template's
    // table content, where no table is open: it goes into the template as in the body.)
    if (this.mode() === M_TEMPLATE) {
      this.bodyStart(tag, name);
      return;
    }
    this.hazard(at);
    this.disturbed = true;
    this.fostering = true;
    this.bodyStart(tag, name);
    this.fostering = false;
  }

  private tbodyStart(tag: TagToken, name: string): void {
    if (name === 'tr') {
      this.clearTo('tbody tfoot thead', tag.start);
      this.insert(tag, name);
    } else if (name === 'td' || name === 'th') {
      this.clearTo('tbody tfoot thead', tag.start);
      this.insert(null, 'tr', NS_HTML, tag.start);
      this.htmlStart(tag, name);
    } else if (TABLE_PARTS.has(name) && name !== 'tr') {
      if (
        !this.inScope('tbody', SCOPE_TABLE) &&
        !this.inScope('thead', SCOPE_TABLE) &&
        !this.inScope('tfoot', SCOPE_TABLE)
      ) {
        return;
      }
      this.clearTo('tbody tfoot thead', tag.start);
      this.pop(tag.start);
      this.htmlStart(tag, name);
    } else this.tableStart(tag, name);
  }

  private rowStart(tag: TagToken, name: string): void {
    if (name === 'td' || name === 'th') {
      this.clearTo('tr', tag.start);
      this.insert(tag, name);
      this.afeMarker();
    } else if (TABLE_PARTS.has(name)) {
      if (!this.inScope('tr', SCOPE_TABLE)) return;
      this.clearTo('tr', tag.start);
      this.pop(tag.start);
      this.htmlStart(tag, name);
    } else this.tableStart(tag, name);
  }

  private selectStart(tag: TagToken, name: string): void {
    const at = tag.start;
    this.disturbed = true;
    const shadow = this.shadowOfSelect();
    if (shadow.length > 0 && SELECT_CLOSES_CONTENT.has(name)) {
      // The older rules close the option or the select here; Chromium nests the element
      // inside what it has open (see selectContent).
      this.loseTrack(at);
    }
    if (name === 'select' || name === 'input') shadow.length = 0;
    switch (name) {
      case 'option':
        if (this.isCurrent('option')) this.pop(at);
        this.insert(tag, name);
        return;
      case 'optgroup':
        if (this.isCurrent('option')) this.pop(at);
        if (this.isCurrent('optgroup')) this.pop(at);
        this.insert(tag, name);
        return;
      case 'hr':
        if (this.isCurrent('option')) this.pop(at);
        if (this.isCurrent('optgroup')) this.pop(at);
        this.insertVoid(tag, name);
        return;
      case 'select':
        this.popUntil('select', at, tag.end);
        return;
      case 'input':
      case 'keygen':
      case 'textarea':
        if (!this.inScope('select', SCOPE_SELECT)) return;
        // Chromium keeps a <keygen> or a <textarea> inside the select (see selectContent).
        if (name !== 'input') this.loseTrack(at);
        this.popUntil('select', at, at);
        this.htmlStart(tag, name);
        return;
      case 'script':
      case 'template':
        this.headContent(tag, name);
        return;
      case 'caption':
      case 'table':
      case 'tbody':
      case 'tfoot':
      case 'thead':
      case 'tr':
      case 'td':
      case 'th':
        // In a select in a table these close the select (§13.2.6.4.17).
        if (this.selectInTable()) {
          this.popUntil('select', at, at);
          this.htmlStart(tag, name);
          return;
        }
        break;
    }
    // Other tags are dropped inside a select.
    this.selectContent(tag, name, shadow);
  }

  /**
   * A start tag the older rules drop inside a select. Chromium 156 parses a select's content
   * by the rules of customizable `<select>` instead, where it makes an element. The builder
   * keeps the older tree, and follows Chromium's only as far as the two agree once the
   * select, or the option, closes: plain elements that close nothing and that their own end
   * tags close (`<div>`, `<span>`, `<button>`, `<img>`...). Anything else (a formatting
   * element that would be reopened after the select, an `<iframe>` that reads the rest as its
   * text, a `<p>` that a later tag closes...) parts the two readings: no element is certain
   * any more.
   */
  private selectContent(tag: TagToken, name: string, shadow: string[]): void {
    const at = tag.start;
    if (SELECT_VOID_CONTENT.has(name)) {
      this.hazard(at);
      return;
    }
    const closesP = SELECT_CONTAINER_CLOSES_P.has(name);
    if (
      !(closesP || SELECT_CONTAINERS.has(name)) ||
      shadow.includes(name) ||
      (closesP && this.openP > 0) ||
      (name === 'button' && this.openButtons > 0) ||
      tag.selfClosing
    ) {
      this.loseTrack(at);
      return;
    }
    this.hazard(at);
    shadow.push(name);
  }

  /**
   * What Chromium has open in the innermost select (see {@link selectContent}): emptied when
   * that select is another than the one it was kept for.
   */
  private shadowOfSelect(): string[] {
    const select = this.stack[this.innermost('select')];
    if (select !== this.shadowSelect) {
      this.shadowSelect = select;
      this.selectShadow = [];
    }
    return this.selectShadow;
  }

  // ── end tags ────────────────────────────────────────────────────────────────

  private foreignEnd(tag: TagToken): void {
    const name = tag.name;
    if (name === 'br' || name === 'p') {
      for (;;) {
        const cur = this.current();
        if (!cur || cur.ns === NS_HTML || cur.integration || isMathText(cur)) break;
        this.pop(tag.start);
      }
      this.reopenForEnd(tag);
      this.htmlEnd(tag, name);
      return;
    }
    for (let i = this.stack.length - 1; i > 0; i--) {
      const node = this.stack[i]!;
      if (node.ns === NS_HTML) {
        // </body> and </html> end the body with foreign elements still open.
        if (name === 'body' || name === 'html') this.hazard(tag.start);
        // Chromium 156 gives an end tag in SVG the SVG spelling (`foreignObject`) and then
        // matches no HTML element by it: where one of that name is open, the readings part.
        if (
          this.current()!.ns === NS_SVG &&
          SVG_CAMEL_CASE.has(name) &&
          this.innermost(name) >= 0
        ) {
          this.loseTrack(tag.start);
        }
        this.reopenForEnd(tag);
        this.htmlEnd(tag, name);
        return;
      }
      if (node.name === name) {
        this.popThrough(node, tag.start, tag.end);
        return;
      }
    }
  }

  private htmlEnd(tag: TagToken, name: string): void {
    switch (this.mode()) {
      case M_BEFORE_HEAD:
      case M_IN_HEAD:
      case M_AFTER_HEAD:
        this.headModeEnd(tag, name);
        return;
      case M_TABLE:
      case M_TBODY:
      case M_ROW:
        this.tableEnd(tag, name);
        return;
      case M_CELL:
        if (name === 'td' || name === 'th') {
          if (!this.inScope(name, SCOPE_TABLE)) return;
          this.generateImplied(tag.start);
          this.popUntil(name, tag.start, tag.end);
          this.afeClearToMarker();
          return;
        }
        if (/^(body|caption|col|colgroup|html)$/.test(name)) return;
        if (/^(table|tbody|tfoot|thead|tr)$/.test(name)) {
          if (!this.inScope(name, SCOPE_TABLE)) return;
          this.closeCell(tag.start);
          this.htmlEnd(tag, name);
          return;
        }
        this.bodyEnd(tag, name);
        return;
      case M_CAPTION:
        if (name === 'caption' || name === 'table') {
          if (!this.inScope('caption', SCOPE_TABLE)) return;
          this.generateImplied(tag.start);
          this.popUntil('caption', tag.start, name === 'caption' ? tag.end : tag.start);
          this.afeClearToMarker();
          if (name === 'table') this.htmlEnd(tag, name);
          return;
        }
        if (/^(body|col|colgroup|html|tbody|td|tfoot|th|thead|tr)$/.test(name)) return;
        this.bodyEnd(tag, name);
        return;
      case M_COLGROUP:
        if (name === 'col') return;
        if (name === 'template') {
          this.templateEnd(tag);
          return;
        }
        if (this.isCurrent('colgroup')) {
          this.pop(name === 'colgroup' ? tag.end : tag.start);
          if (name !== 'colgroup') this.htmlEnd(tag, name);
        }
        return;
      case M_SELECT: {
        const shadow = this.shadowOfSelect();
        if (shadow.length > 0) {
          if (shadow[shadow.length - 1] === name) {
            // Chromium closes it; the older rules ignore the end tag.
            shadow.pop();
            this.hazard(tag.start);
            return;
          }
          if (name === 'select') shadow.length = 0;
          else this.loseTrack(tag.start);
        }
        if (/^(caption|table|tbody|tfoot|thead|tr|td|th)$/.test(name) && this.selectInTable()) {
          if (!this.inScope(name, SCOPE_TABLE)) return;
          this.popUntil('select', tag.start, tag.start);
          this.htmlEnd(tag, name);
          return;
        }
        if (name === 'optgroup') {
          const prev = this.stack[this.stack.length - 2];
          if (this.isCurrent('option') && prev?.name === 'optgroup') this.pop(tag.start);
          if (this.isCurrent('optgroup')) this.pop(tag.end);
        } else if (name === 'option') {
          if (this.isCurrent('option')) this.pop(tag.end);
        } else if (name === 'select') {
          if (this.inScope('select', SCOPE_SELECT)) this.popUntil('select', tag.start, tag.end);
        } else if (name === 'template') this.templateEnd(tag);
        return;
      }
      case M_TEMPLATE:
        if (name === 'template') this.templateEnd(tag);
        else this.templateContentEnd(tag, name);
        return;
      case M_FRAMESET:
        return;
      default:
        this.bodyEnd(tag, name);
    }
  }

  private headModeEnd(tag: TagToken, name: string): void {
    if (name === 'template') {
      this.templateEnd(tag);
      return;
    }
    const closesHead = name === 'head';
    if (!closesHead && name !== 'body' && name !== 'html' && name !== 'br') return;
    if (this.headClosed && closesHead) return;
    this.ensureHtml(tag.start);
    if (!this.headClosed) {
      this.leaveHead(tag.start);
      if (closesHead) return;
    }
    this.openBody(tag.start, false);
    this.htmlEnd(tag, name);
  }

  private tableEnd(tag: TagToken, name: string): void {
    const mode = this.mode();
    if (name === 'tr' && mode === M_ROW) {
      if (!this.inScope('tr', SCOPE_TABLE)) return;
      this.clearTo('tr', tag.start);
      this.pop(tag.end);
      return;
    }
    if (SECTIONS.has(name) && mode !== M_TABLE) {
      if (!this.inScope(name, SCOPE_TABLE)) return;
      if (mode === M_ROW) {
        this.clearTo('tr', tag.start);
        this.pop(tag.start);
        this.htmlEnd(tag, name);
        return;
      }
      this.clearTo('tbody tfoot thead', tag.start);
      this.pop(tag.end);
      return;
    }
    if (name === 'table') {
      if (!this.inScope('table', SCOPE_TABLE)) return;
      this.popUntil('table', tag.start, tag.end);
      return;
    }
    if (/^(body|caption|col|colgroup|html|tbody|td|tfoot|th|thead|tr)$/.test(name)) return;
    if (name === 'template') {
      this.templateEnd(tag);
      return;
    }
    this.hazard(tag.start);
    this.bodyEnd(tag, name);
  }

  private templateEnd(tag: TagToken): void {
    if (this.templates === 0) return;
    this.generateImplied(tag.start);
    this.popUntil('template', tag.start, tag.end);
    this.afeClearToMarker();
    this.resetSelectMode();
  }

  private bodyEnd(tag: TagToken, name: string): void {
    const at = tag.start;
    const flags = tagFlags(tag, name);
    if ((flags & T_BLOCK_END) !== 0) {
      // None of these is an implied-end element: generating implied end tags leaves it (and
      // its index) in place.
      const i = this.scopeIndex(name);
      if (i < 0) return;
      this.generateImplied(at);
      this.popTo(i, at, tag.end);
      return;
    }
    if ((flags & T_FORMATTING) !== 0) {
      this.adoption(tag, name, tag.end);
      return;
    }
    if ((flags & T_HEADING) !== 0) {
      if (!this.headingInScope()) return;
      this.generateImplied(at);
      for (let i = this.stack.length - 1; i >= 0; i--) {
        const n = this.stack[i]!;
        if ((n.kind & K_HEADING) !== 0) {
          this.popThrough(n, at, tag.end);
          return;
        }
      }
      return;
    }
    if ((flags & T_BODY_END_RULE) === 0) {
      this.anyOtherEnd(tag, name);
      return;
    }
    switch (name) {
      case 'template':
        this.templateEnd(tag);
        return;
      case 'body':
      case 'html':
        if (!this.inScope('body')) return;
        this.afterBody = true;
        if (this.afterBodyAt < 0) this.afterBodyAt = at;
        if (!this.bodyEndSeen) {
          this.bodyEndSeen = true;
          this.listener.bodyEndTag?.(at);
        }
        return;
      case 'form': {
        if (this.templates > 0) {
          if (!this.inScope('form')) return;
          this.generateImplied(at);
          this.popUntil('form', at, tag.end);
          return;
        }
        const node = this.form;
        this.form = null;
        if (!node) return;
        if (!this.inScopeEl(node)) {
          // The end tag is ignored, but it has cleared the form element pointer: without its
          // bytes a later <form> would be ignored.
          this.hazard(at);
          return;
        }
        this.generateImplied(at);
        if (this.current() !== node) {
          this.hazard(at);
          this.stack.splice(this.stack.indexOf(node), 1);
          this.counted(node, -1);
          this.modeCache = -1;
          if (node.watched) this.listener.elementEnd?.(node, tag.end, false);
          return;
        }
        this.pop(tag.end);
        return;
      }
      case 'p': {
        const i = this.scopeIndex('p', SCOPE_BUTTON);
        if (i < 0) {
          this.strayP(tag);
          return;
        }
        this.generateImplied(at, 'p');
        this.popTo(i, at, tag.end);
        return;
      }
      case 'li':
      case 'dd':
      case 'dt': {
        const i = this.scopeIndex(name, name === 'li' ? SCOPE_LIST : SCOPE_DEFAULT);
        if (i < 0) return;
        this.generateImplied(at, name);
        this.popTo(i, at, tag.end);
        return;
      }
      case 'applet':
      case 'marquee':
      case 'object':
        if (!this.inScope(name)) return;
        this.generateImplied(at);
        this.popUntil(name, at, tag.end);
        this.afeClearToMarker();
        return;
      case 'br':
        this.hazard(at);
        this.framesetOff(at, true);
        this.reconstruct(at);
        this.insertVoid(tag, 'br');
        return;
    }
    this.anyOtherEnd(tag, name);
  }

  /** A `</p>` with no `<p>` open makes an empty `<p>`, whose bytes are that end tag. */
  private strayP(tag: TagToken): void {
    const el: OpenElement = {
      name: 'p',
      ns: NS_HTML,
      start: tag.start,
      tagEnd: tag.end,
      attrs: null,
      implied: false,
      integration: false,
      certainStart:
        !this.lost && !this.disturbed && this.templates === 0 && tag.tail === TAIL_CLOSED,
      closedFrom: this.poppedFrom,
      kind: kindOf('p', NS_HTML),
      watched: false,
    };
    this.claim(el);
    if (this.markerChecks.length !== 0) this.settleMarkers();
    if (this.listener.elementStart?.(el, null, this.stack.length, true) === true) {
      this.ended(el, tag.end, this.certainEnd(el));
    }
  }

  private anyOtherEnd(tag: TagToken, name: string): void {
    for (let i = this.stack.length - 1; i >= 0; i--) {
      const n = this.stack[i]!;
      if (n.ns === NS_HTML && n.name === name) {
        this.generateImplied(tag.start, name);
        this.popThrough(n, tag.start, tag.end);
        return;
      }
      if (isSpecial(n)) {
        if (isSearch(n) && this.innermost(name) >= 0) this.loseTrack(tag.start);
        return;
      }
    }
  }
}

/**
 * Whether the element is an HTML `<search>`: special by the standard (and in the tree this
 * builder keeps), not in Chromium 156, which lets a `<li>` or an end tag close elements
 * around it. Where that changes what a token closes, the two readings differ, and no
 * element is certain any more.
 */
function isSearch(el: OpenElement): boolean {
  return el.ns === NS_HTML && el.name === 'search';
}

function isMathText(el: OpenElement): boolean {
  return (el.kind & K_MATH_TEXT) !== 0;
}

function isSpecial(el: OpenElement): boolean {
  return (el.kind & K_SPECIAL) !== 0;
}

function isScopeBoundary(n: OpenElement, kind: number): boolean {
  return (n.kind & (1 << (K_SCOPE_SHIFT + kind))) !== 0;
}

function sameAttrs(a: readonly (string | null)[] | null, b: readonly (string | null)[] | null) {
  if (a === b) return true;
  if (!a || !b || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
