//! The engagement statuses: names that read back, and the moves along the funnel.

use duijie_core::engagement::Status;

#[test]
fn names_read_back_and_labels_are_distinct() {
    for status in Status::ALL {
        assert_eq!(Status::parse(status.as_str()), Some(status));
        assert_eq!(status.to_string(), status.as_str());
        let same_label = Status::ALL
            .iter()
            .filter(|other| other.label_zh() == status.label_zh())
            .count();
        assert_eq!(same_label, 1, "{status}");
    }
    assert_eq!(Status::parse("Intent"), None);
    assert_eq!(Status::parse(""), None);
}

#[test]
fn moves_go_one_step_forward_or_drop_out() {
    for from in Status::ALL {
        for to in Status::ALL {
            let position = |status| Status::FUNNEL.iter().position(|step| *step == status);
            let next = match (position(from), position(to)) {
                (Some(a), Some(b)) => b == a + 1,
                _ => false,
            };
            let drop = to == Status::Dropped && !matches!(from, Status::Landed | Status::Dropped);
            assert_eq!(from.may_move_to(to), next || drop, "{from} -> {to}");
        }
    }
    let finals: Vec<Status> = Status::ALL.into_iter().filter(|s| s.is_final()).collect();
    assert_eq!(finals, [Status::Landed, Status::Dropped]);
}

#[cfg(feature = "serde")]
#[test]
fn serde_uses_the_names() {
    for status in Status::ALL {
        let json = serde_json::to_value(status).unwrap();
        assert_eq!(json, serde_json::json!(status.as_str()));
        assert_eq!(serde_json::from_value::<Status>(json).unwrap(), status);
    }
}
