//! A streaming walk over an XML export with bounded memory: element opens and closes with their
//! text, nesting deeper than `MAX_DEPTH` and text longer than `MAX_TEXT` not kept (reported),
//! entities other than XML's five and character references never expanded (a DOCTYPE's
//! declarations are ignored, so "billion laughs" stays a few bytes), broken UTF-8 reported.

use super::utf8::{InvalidBytes, Utf8Scrub};
use super::{Item, Malformed, Position};
use quick_xml::events::Event;
use quick_xml::Reader;
use std::io::{BufRead, BufReader};

/// Element nesting kept; an export needs 4 levels, deeper content is ignored and reported.
pub const MAX_DEPTH: usize = 32;
/// Longest text kept for one element (a comment's body is far shorter).
pub const MAX_TEXT: usize = 1 << 20;
/// Errors in a row after which the file is given up as not XML.
const MAX_ERRORS_IN_A_ROW: u32 = 100;

/// One step of the walk.
#[derive(Debug)]
pub enum Step {
    /// An element opened, with its attributes by local name; `depth` 1 is the root.
    Open {
        name: String,
        attributes: Vec<(String, String)>,
        depth: usize,
    },
    /// An element closed, with the text directly inside it.
    Close {
        name: String,
        text: String,
        depth: usize,
    },
    Eof,
}

pub struct XmlWalker<R: BufRead> {
    reader: Reader<BufReader<Utf8Scrub<R>>>,
    /// Where the input had bytes that are not UTF-8 (replaced by `?`).
    invalid: InvalidBytes,
    buf: Vec<u8>,
    /// Local names of the open elements, up to `MAX_DEPTH`.
    path: Vec<String>,
    depth: usize,
    text: String,
    /// An empty element's close, returned on the next call.
    pending_close: Option<String>,
    /// What went wrong since the caller last took the problems (the current record's).
    problems: Vec<String>,
    /// Whether a DOCTYPE was seen (and ignored), and whether that was reported.
    doctype_seen: bool,
    doctype_reported: bool,
    errors_in_a_row: u32,
    /// Records (posts, comments) the reader has started: the next one's number is one more.
    pub records: u64,
    /// The end of the file was reached, or reading cannot go on.
    pub finished: bool,
}

impl<R: BufRead> XmlWalker<R> {
    pub fn new(input: R) -> Self {
        let invalid = InvalidBytes::default();
        let mut reader =
            Reader::from_reader(BufReader::new(Utf8Scrub::new(input, invalid.clone())));
        let config = reader.config_mut();
        // Our own stack checks nesting; quick-xml's would keep every open name however deep.
        config.check_end_names = false;
        config.trim_text(false);
        XmlWalker {
            reader,
            invalid,
            buf: Vec::new(),
            path: Vec::new(),
            depth: 0,
            text: String::new(),
            pending_close: None,
            problems: Vec::new(),
            doctype_seen: false,
            doctype_reported: false,
            errors_in_a_row: 0,
            records: 0,
            finished: false,
        }
    }

    /// The byte offset the reader has reached.
    pub fn position(&self) -> u64 {
        self.reader.buffer_position()
    }

    /// The local names of the open elements (outermost first, at most `MAX_DEPTH`).
    pub fn path(&self) -> &[String] {
        &self.path
    }

    /// Takes what went wrong since the last call (bytes that are not UTF-8 included).
    pub fn take_problems(&mut self) -> Vec<String> {
        let (count, first) = self.invalid.take_before(self.position());
        if let Some(first) = first {
            self.problems.push(format!(
                "{count} byte(s) that are not UTF-8, the first at byte {first}"
            ));
        }
        std::mem::take(&mut self.problems)
    }

    fn open(&mut self, name: String, attributes: Vec<(String, String)>) -> Step {
        self.depth += 1;
        self.text.clear();
        if self.depth <= MAX_DEPTH {
            self.path.push(name.clone());
        } else if self.depth == MAX_DEPTH + 1 {
            self.problems.push(format!(
                "elements nested deeper than {MAX_DEPTH} levels were ignored"
            ));
        }
        Step::Open {
            name,
            attributes,
            depth: self.depth,
        }
    }

    fn close(&mut self, name: String) -> Step {
        let depth = self.depth;
        if depth <= MAX_DEPTH {
            self.path.pop();
        }
        self.depth = self.depth.saturating_sub(1);
        let text = if self.text.len() > MAX_TEXT {
            String::new()
        } else {
            std::mem::take(&mut self.text)
        };
        self.text.clear();
        Step::Close { name, text, depth }
    }

    /// The next open or close; `Err` when the file cannot be read on (broken XML).
    pub fn next_step(&mut self) -> Result<Step, String> {
        if let Some(name) = self.pending_close.take() {
            return Ok(self.close(name));
        }
        loop {
            self.buf.clear();
            let event = match self.reader.read_event_into(&mut self.buf) {
                Ok(event) => {
                    self.errors_in_a_row = 0;
                    event
                }
                Err(e) => {
                    self.errors_in_a_row += 1;
                    let message = format!("unreadable XML at byte {}: {e}", self.position());
                    if self.errors_in_a_row >= MAX_ERRORS_IN_A_ROW || self.depth == 0 {
                        return Err(message);
                    }
                    self.problems.push(message);
                    continue;
                }
            };
            match event {
                Event::Start(start) => {
                    let (name, attributes) = describe(&start, &mut self.problems);
                    return Ok(self.open(name, attributes));
                }
                Event::Empty(start) => {
                    let (name, attributes) = describe(&start, &mut self.problems);
                    self.pending_close = Some(name.clone());
                    return Ok(self.open(name, attributes));
                }
                Event::End(end) => {
                    let name = end.local_name().as_ref().to_string();
                    if self.depth <= MAX_DEPTH && self.path.last() != Some(&name) {
                        return Err(format!(
                            "unreadable XML at byte {}: </{name}> closes <{}>",
                            self.position(),
                            self.path.last().map_or("", String::as_str)
                        ));
                    }
                    if self.depth == 0 {
                        return Err(format!(
                            "unreadable XML at byte {}: </{name}> closes nothing",
                            self.position()
                        ));
                    }
                    return Ok(self.close(name));
                }
                Event::Text(text) => push_text(
                    &mut self.text,
                    &mut self.problems,
                    self.depth,
                    &self.path,
                    &text.into_inner(),
                ),
                Event::CData(data) => push_text(
                    &mut self.text,
                    &mut self.problems,
                    self.depth,
                    &self.path,
                    &data.into_inner(),
                ),
                Event::GeneralRef(reference) => {
                    let resolved = match reference.resolve_char_ref() {
                        Ok(Some(c)) => Some(c.to_string()),
                        Ok(None) => predefined(&reference).map(str::to_string),
                        Err(_) => None,
                    };
                    match resolved {
                        Some(text) => push_text(
                            &mut self.text,
                            &mut self.problems,
                            self.depth,
                            &self.path,
                            &text,
                        ),
                        None => self.problems.push(format!(
                            "the entity &{}; is not expanded (only XML's five and character references are)",
                            &*reference
                        )),
                    }
                }
                Event::DocType(_) => self.doctype_seen = true,
                Event::Eof => {
                    if self.depth > 0 {
                        return Err(format!(
                            "the file ends inside <{}> (truncated?)",
                            self.path.last().map_or("", String::as_str)
                        ));
                    }
                    self.finished = true;
                    return Ok(Step::Eof);
                }
                Event::Comment(_) | Event::Decl(_) | Event::PI(_) => {}
            }
        }
    }
}

/// The next item of a reader built on a walker: `step` reads until it has one (or not), the
/// DOCTYPE is reported once, and broken XML ends the file with its position.
pub(super) fn next_item<S, R: BufRead>(
    reader: &mut S,
    walker: fn(&mut S) -> &mut XmlWalker<R>,
    step: fn(&mut S) -> Result<Option<Item>, String>,
) -> Option<Item> {
    while !walker(reader).finished {
        let stepped = step(reader);
        let w = walker(reader);
        match stepped {
            Ok(Some(item)) => return Some(item),
            Ok(None) if w.doctype_seen && !w.doctype_reported => {
                w.doctype_reported = true;
                return Some(Item::Malformed(Malformed {
                    position: Position {
                        record: 0,
                        byte: w.position(),
                        line: None,
                    },
                    message: "the file has a DOCTYPE: ignored, its entities are never expanded"
                        .into(),
                }));
            }
            Ok(None) => {}
            Err(message) => {
                w.finished = true;
                return Some(Item::Malformed(Malformed {
                    position: Position {
                        record: w.records + 1,
                        byte: w.position(),
                        line: None,
                    },
                    message: format!("{message}; reading stopped here"),
                }));
            }
        }
    }
    None
}

/// Appends text to the open element's, up to `MAX_TEXT` (a free function: the text borrows the
/// reader's buffer while the walker's other fields change).
fn push_text(
    kept: &mut String,
    problems: &mut Vec<String>,
    depth: usize,
    path: &[String],
    text: &str,
) {
    if depth > MAX_DEPTH {
        return;
    }
    if kept.len() + text.len() > MAX_TEXT {
        if kept.len() <= MAX_TEXT {
            let name = path.last().map_or("", String::as_str);
            problems.push(format!("<{name}> holds more than {MAX_TEXT} bytes of text"));
            // Past the bound: nothing more is kept of this element.
            kept.clear();
            kept.push_str(&" ".repeat(MAX_TEXT + 1));
        }
        return;
    }
    kept.push_str(text);
}

fn predefined(name: &str) -> Option<&'static str> {
    Some(match name {
        "amp" => "&",
        "lt" => "<",
        "gt" => ">",
        "quot" => "\"",
        "apos" => "'",
        _ => return None,
    })
}

fn describe(
    start: &quick_xml::events::BytesStart<'_>,
    problems: &mut Vec<String>,
) -> (String, Vec<(String, String)>) {
    let name = start.local_name().as_ref().to_string();
    let mut attributes = Vec::new();
    for attribute in start.attributes() {
        match attribute {
            Ok(a) => {
                let key = a.key.local_name().as_ref().to_string();
                match a.normalized_value(quick_xml::XmlVersion::Implicit1_0) {
                    Ok(value) => attributes.push((key, value.into_owned())),
                    Err(e) => problems.push(format!("attribute {key} of <{name}>: {e}")),
                }
            }
            Err(e) => problems.push(format!("an attribute of <{name}>: {e}")),
        }
    }
    (name, attributes)
}
