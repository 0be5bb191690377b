//! `action --help`: the action's inputs, generated from the input table
//! ([`INPUTS`](crate::github::inputs::INPUTS): name, default, description), so the help names
//! what `action.yml` declares and nothing else. `-h` names the inputs; `--help` adds each one's
//! default and description, wrapped to 100 columns.

use crate::github::inputs::INPUTS;

/// The width the help is wrapped to.
const WIDTH: usize = 100;
/// Where a description starts, as in clap's `--help`.
const INDENT: usize = 10;

/// `-h`: the inputs' names, wrapped.
pub fn short() -> String {
    let mut text = String::from("Inputs (`with:` in the workflow, read as `INPUT_<NAME>`):\n");
    let names: Vec<&str> = INPUTS.iter().map(|(name, _, _)| *name).collect();
    for line in wrap(&names.join(", "), 2, WIDTH) {
        text.push_str(&line);
        text.push('\n');
    }
    text.push_str("\nDefaults and descriptions: dpone-observability action --help");
    text
}

/// `--help`: every input with its default and description.
pub fn long() -> String {
    let mut text = String::from(
        "Inputs (`with:` in the workflow, read as `INPUT_<NAME>`; docs/action-reference.md):",
    );
    for (name, default, description) in INPUTS {
        text.push_str("\n  ");
        text.push_str(name);
        if !default.is_empty() {
            text.push_str(&format!("  [default: {default}]"));
        }
        for line in wrap(description, INDENT, WIDTH) {
            text.push('\n');
            text.push_str(&line);
        }
    }
    text
}

/// `text`'s words as lines of at most `width` characters, each indented by `indent` (a word
/// longer than a line gets a line of its own).
fn wrap(text: &str, indent: usize, width: usize) -> Vec<String> {
    let pad = " ".repeat(indent);
    let mut lines = Vec::new();
    let mut line = pad.clone();
    for word in text.split_whitespace() {
        let used = line.chars().count();
        if used > indent && used + 1 + word.chars().count() > width {
            lines.push(std::mem::replace(&mut line, pad.clone()));
        }
        if line.chars().count() > indent {
            line.push(' ');
        }
        line.push_str(word);
    }
    if line.chars().count() > indent {
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_input_is_listed_within_100_columns() {
        let long = long();
        for (name, default, _) in INPUTS {
            assert!(
                long.contains(&format!("\n  {name}")),
                "{name} is not in the help"
            );
            if !default.is_empty() {
                assert!(
                    long.contains(&format!("[default: {default}]")),
                    "{name}'s default"
                );
            }
            assert!(short().contains(name), "{name} is not in the short help");
        }
        let widest = |text: &str| text.lines().map(|l| l.chars().count()).max().unwrap_or(0);
        assert!(widest(&long) <= WIDTH, "{long}");
        assert!(widest(&short()) <= WIDTH);
    }

    #[test]
    fn words_wrap_at_the_width() {
        assert_eq!(wrap("aa bb cc", 2, 7), ["  aa bb", "  cc"]);
        assert_eq!(wrap("", 2, 7), Vec::<String>::new());
    }
}
