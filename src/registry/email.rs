//! E-mail addresses, checked the way the mailer will read them.

/// A trimmed address that lettre can send to, or what is wrong with it.
pub fn parse_email(input: &str) -> Result<String, String> {
    let trimmed = input.trim();
    if trimmed.is_empty() {
        return Err("an e-mail address is required".into());
    }
    match trimmed.parse::<lettre::Address>() {
        Ok(address) if address.domain().contains('.') => Ok(trimmed.to_owned()),
        _ => Err(format!("{trimmed:?} is not an e-mail address (expected e.g. kompetens@sundsvall.se)")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_addresses_are_accepted() {
        assert_eq!(parse_email(" kompetens@sundsvall.se ").unwrap(), "kompetens@sundsvall.se");
        assert!(parse_email("anna.svensson+hr@harnosand.se").is_ok());
    }

    #[test]
    fn malformed_addresses_are_refused() {
        for bad in
            ["", "kompetens", "kompetens@", "@sundsvall.se", "a b@sundsvall.se", "kompetens@localhost", "a@@b.se"]
        {
            assert!(parse_email(bad).is_err(), "{bad:?} was accepted");
        }
    }
}
