//! Short forms of Chinese region names, as people write them: 广东 for 广东省, 深圳 for 深圳市,
//! 广西 for 广西壮族自治区, 延边 for 延边朝鲜族自治州.

/// Administrative suffixes, longest first so that 自治州 is removed before 州 could be considered.
const SUFFIXES: &[&str] = &[
    "特别行政区",
    "自治区",
    "自治州",
    "自治县",
    "自治旗",
    "新区",
    "林区",
    "特区",
    "地区",
    "省",
    "市",
    "区",
    "县",
    "旗",
    "盟",
];

/// Names of ethnic groups that appear in the names of autonomous areas, longest first. The
/// multi-character ones are also written without 族 (蒙古自治州, 哈萨克自治县).
const ETHNIC_GROUPS: &[&str] = &[
    "柯尔克孜",
    "维吾尔",
    "土家",
    "蒙古",
    "朝鲜",
    "哈萨克",
    "哈尼",
    "傈僳",
    "拉祜",
    "纳西",
    "景颇",
    "布依",
    "仡佬",
    "塔吉克",
    "锡伯",
    "达斡尔",
    "鄂伦春",
    "鄂温克",
    "裕固",
    "保安",
    "东乡",
    "撒拉",
    "毛南",
    "仫佬",
    "独龙",
    "普米",
    "布朗",
    "壮",
    "回",
    "藏",
    "满",
    "苗",
    "侗",
    "瑶",
    "彝",
    "白",
    "傣",
    "佤",
    "水",
    "羌",
    "黎",
    "畲",
    "土",
    "怒",
    "各",
];

/// The fewest characters a short name may keep: one character (城 for 城区) says too little.
const MIN_CHARS: usize = 2;

/// The short form of a region name, or `None` when it has none distinct from the name.
pub(crate) fn short_region_name(name: &str) -> Option<&str> {
    let mut short = name;
    for suffix in SUFFIXES {
        if let Some(stem) = short.strip_suffix(suffix) {
            if stem.chars().count() >= MIN_CHARS {
                short = stem;
            }
            break;
        }
    }
    // Autonomous areas (and a few districts such as 管城回族区) name their peoples before the
    // suffix: strip them one by one.
    if short.len() != name.len() {
        let autonomous = name.contains("自治");
        loop {
            let stripped = strip_ethnic_group(short, autonomous);
            match stripped {
                Some(stem) if stem.chars().count() >= MIN_CHARS => short = stem,
                _ => break,
            }
        }
    }
    (short.len() != name.len()).then_some(short)
}

/// Strips one people's name written with 族, or, when `bare` allows it, a multi-character one
/// written without (蒙古自治州).
fn strip_ethnic_group(name: &str, bare: bool) -> Option<&str> {
    for group in ETHNIC_GROUPS {
        let with_zu = name
            .strip_suffix('族')
            .and_then(|stem| stem.strip_suffix(group));
        if with_zu.is_some() {
            return with_zu;
        }
        // Without 族 only the longer names are unmistakable (蒙古, 哈萨克); 水 or 白 are not.
        if bare && group.chars().count() >= 2 {
            if let Some(stem) = name.strip_suffix(group) {
                return Some(stem);
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use crate::taxonomy::names::short_region_name;

    #[test]
    fn short_names() {
        let cases = [
            ("广东省", Some("广东")),
            ("深圳市", Some("深圳")),
            ("广西壮族自治区", Some("广西")),
            ("内蒙古自治区", Some("内蒙古")),
            ("新疆维吾尔自治区", Some("新疆")),
            ("香港特别行政区", Some("香港")),
            ("延边朝鲜族自治州", Some("延边")),
            ("恩施土家族苗族自治州", Some("恩施")),
            ("博尔塔拉蒙古自治州", Some("博尔塔拉")),
            ("积石山保安族东乡族撒拉族自治县", Some("积石山")),
            ("隆林各族自治县", Some("隆林")),
            ("三都水族自治县", Some("三都")),
            ("鄂伦春自治旗", Some("鄂伦春")),
            ("管城回族区", Some("管城")),
            ("梅里斯达斡尔族区", Some("梅里斯")),
            ("东乡族自治县", Some("东乡族")),
            ("浦东新区", Some("浦东")),
            ("城区", None),
            ("沛县", None),
            ("大兴安岭地区", Some("大兴安岭")),
            ("锡林郭勒盟", Some("锡林郭勒")),
        ];
        for (name, expected) in cases {
            assert_eq!(short_region_name(name), expected, "{name}");
        }
    }
}
