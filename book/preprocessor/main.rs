//! The book's preprocessor: takes the anchor comments out of every included file.
//!
//! mdBook drops `ANCHOR:` and `ANCHOR_END:` lines only inside a range it was asked for
//! (`{{#include FILE:idea}}`); a whole file included for the folded "whole program" keeps them,
//! and a reader would see `// ANCHOR: idea` in the code. This runs after mdBook's own `links`
//! preprocessor (see book.toml), so every include is already text here, and removes each line
//! that is nothing but such a comment (`// ANCHOR: idea`, `# ANCHOR_END: race`).
//!
//! mdBook runs it as `book-twins supports html` (it answers yes) and then with
//! `[context, book]` as JSON on stdin, expecting the book back as JSON on stdout.

use std::error::Error;
use std::io::{self, Read, Write};

use serde_json::Value;

fn main() -> Result<(), Box<dyn Error>> {
    if std::env::args().nth(1).as_deref() == Some("supports") {
        return Ok(());
    }
    let mut input = String::new();
    io::stdin().read_to_string(&mut input)?;
    let [_context, mut book]: [Value; 2] = serde_json::from_str(&input)?;
    strip_chapters(&mut book);
    io::stdout().write_all(serde_json::to_string(&book)?.as_bytes())?;
    Ok(())
}

/// Every chapter is an object `{"Chapter": {"content": ..., "sub_items": [...]}}` somewhere in
/// the tree; walking every value keeps this independent of the names around them.
fn strip_chapters(value: &mut Value) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(content)) = map
                .get_mut("Chapter")
                .and_then(|chapter| chapter.get_mut("content"))
            {
                *content = without_anchor_lines(content);
            }
            map.values_mut().for_each(strip_chapters);
        }
        Value::Array(items) => items.iter_mut().for_each(strip_chapters),
        _ => {}
    }
}

/// `text` without the lines that are only an anchor comment, in Rust or Python.
fn without_anchor_lines(text: &str) -> String {
    let mut kept = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        if !is_anchor_line(line) {
            kept.push_str(line);
        }
    }
    kept
}

fn is_anchor_line(line: &str) -> bool {
    let Some(rest) = line
        .trim()
        .strip_prefix("//")
        .or_else(|| line.trim().strip_prefix('#'))
    else {
        return false;
    };
    let rest = rest.trim_start();
    let Some(name) = rest
        .strip_prefix("ANCHOR:")
        .or_else(|| rest.strip_prefix("ANCHOR_END:"))
    else {
        return false;
    };
    let name = name.trim();
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anchor_lines_go_and_code_stays() {
        let code = "fn main() {\n    // ANCHOR: idea\n    run();\n    // ANCHOR_END: idea\n}\n\
                    # ANCHOR: race\nbalance = 0\n# ANCHOR_END: race\n";
        assert_eq!(
            without_anchor_lines(code),
            "fn main() {\n    run();\n}\nbalance = 0\n"
        );
    }

    #[test]
    fn prose_about_anchors_stays() {
        let prose = "Mark it with `// ANCHOR: idea` in the file.\n# ANCHOR: a heading with words\n";
        assert_eq!(without_anchor_lines(prose), prose);
    }

    #[test]
    fn every_chapter_in_the_tree_is_stripped() {
        let mut book: Value = serde_json::json!({"items": [{"Chapter": {
            "content": "a\n// ANCHOR: x\nb\n",
            "sub_items": [{"Chapter": {"content": "# ANCHOR_END: y\nc", "sub_items": []}}]
        }}, "Separator"]});
        strip_chapters(&mut book);
        assert_eq!(book["items"][0]["Chapter"]["content"], "a\nb\n");
        assert_eq!(
            book["items"][0]["Chapter"]["sub_items"][0]["Chapter"]["content"],
            "c"
        );
    }
}
