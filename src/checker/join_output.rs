//! How a join's output names the two records it joined.
//!
//! The joins' properties need each output's two sides: the stream record's
//! value and the row it met (`table-join`), or the pair's two values
//! (`stream-join`). The shipped apps write a JSON object; a user's joiner
//! is whatever its author wrote, most often a string built from the two
//! values (`order + " for " + customer`). `[checker] join_output` says
//! how, as a template: `"{value} for {table}"`, `"{left}+{right}"`. The
//! template is matched against each output's value; where its separator
//! could split the value in more than one place, the split whose first
//! side is a value the workload wrote is taken, so that a separator that
//! also occurs inside the values (`-` in `in-12`) still reads right.
//!
//! A Java joiner concatenating a null side (a left join's record without
//! a row or a partner, either side of an outer join's) writes `null`:
//! read as no record on that side.

/// The two sides of a join output, each absent where it was null.
pub type Sides = (Option<String>, Option<String>);

/// The placeholders' names and the literal text around them, as a
/// template gives them, in the template's order.
struct Template<'t> {
    before: &'t str,
    first: &'t str,
    between: &'t str,
    second: &'t str,
    after: &'t str,
}

/// Splits `template` around the placeholders `{a}` and `{b}`, each once,
/// with some text between them; why not otherwise.
fn parse<'t>(template: &'t str, a: &'t str, b: &'t str) -> Result<Template<'t>, String> {
    let at = |name: &str| -> Result<usize, String> {
        let token = format!("{{{name}}}");
        match template.match_indices(&token).count() {
            1 => Ok(template.find(&token).unwrap_or_default()),
            0 => Err(format!("join_output {template:?} has no {token}")),
            _ => Err(format!("join_output {template:?} has {token} more than once")),
        }
    };
    let (pa, pb) = (at(a)?, at(b)?);
    let ((p1, n1), (p2, n2)) = if pa < pb { ((pa, a), (pb, b)) } else { ((pb, b), (pa, a)) };
    let between = &template[p1 + n1.len() + 2..p2];
    if between.is_empty() {
        return Err(format!("join_output {template:?} has nothing between {{{n1}}} and {{{n2}}}: the two sides cannot be told apart"));
    }
    Ok(Template { before: &template[..p1], first: n1, between, second: n2, after: &template[p2 + n2.len() + 2..] })
}

/// Whether `template` names both `a` and `b` with text between them.
pub fn check_template(template: &str, a: &str, b: &str) -> Result<(), String> {
    parse(template, a, b).map(|_| ())
}

/// The sides `a` and `b` of `text` as `template` writes them; `known(side,
/// value)` says whether the workload wrote `value` on side `side`, to
/// choose among splits. `None` when `text` does not have the template's
/// shape.
pub fn read(template: &str, a: &str, b: &str, text: &str, known: &dyn Fn(&str, &str) -> bool) -> Option<Sides> {
    let t = parse(template, a, b).ok()?;
    let middle = text.strip_prefix(t.before)?.strip_suffix(t.after)?;
    let splits: Vec<(&str, &str)> =
        middle.match_indices(t.between).map(|(i, _)| (&middle[..i], &middle[i + t.between.len()..])).collect();
    let &(first, second) = splits
        .iter()
        .find(|(f, s)| known(t.first, f) && known(t.second, s))
        .or_else(|| splits.iter().find(|(f, _)| known(t.first, f)))
        .or(splits.first())?;
    let (value_a, value_b) = if t.first == a { (first, second) } else { (second, first) };
    let side = |v: &str| (v != "null").then(|| v.to_string());
    Some((side(value_a), side(value_b)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(side: &str, v: &str) -> bool {
        match side {
            "value" => v.starts_with("in-"),
            "table" => v.starts_with("side-"),
            _ => false,
        }
    }

    #[test]
    fn a_concatenation_reads_back_its_two_sides_in_either_order() {
        assert_eq!(read("{value} for {table}", "value", "table", "in-3 for side-7", &ids), Some((Some("in-3".into()), Some("side-7".into()))));
        assert_eq!(read("[{table}] {value}", "value", "table", "[side-7] in-3", &ids), Some((Some("in-3".into()), Some("side-7".into()))));
        assert_eq!(read("{left}+{right}", "left", "right", "v1+v9", &|_, _| true), Some((Some("v1".into()), Some("v9".into()))));
    }

    #[test]
    fn a_separator_inside_the_values_splits_where_the_values_are_known() {
        assert_eq!(read("{value}-{table}", "value", "table", "in-3-side-7", &ids), Some((Some("in-3".into()), Some("side-7".into()))));
    }

    #[test]
    fn a_null_row_is_no_row_and_another_shape_is_none() {
        assert_eq!(read("{value}/{table}", "value", "table", "in-3/null", &ids), Some((Some("in-3".into()), None)));
        assert_eq!(read("{left}+{right}", "left", "right", "null+v9", &|_, _| true), Some((None, Some("v9".into()))));
        assert_eq!(read("{value}/{table}", "value", "table", "in-3 side-7", &ids), None);
        assert_eq!(read("<{value}/{table}>", "value", "table", "in-3/side-7", &ids), None);
    }

    #[test]
    fn a_template_without_both_sides_or_a_separator_is_refused() {
        assert!(check_template("{value}", "value", "table").unwrap_err().contains("has no {table}"));
        assert!(check_template("{value}{table}", "value", "table").unwrap_err().contains("nothing between"));
        assert!(check_template("{value},{table},{value}", "value", "table").unwrap_err().contains("more than once"));
        assert!(check_template("{left} & {right}", "left", "right").is_ok());
    }
}
