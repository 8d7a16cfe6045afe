//! The widget's words in Chinese (the default) and English.

/// The interface language.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Zh,
    En,
}

impl Lang {
    /// `en` gives English; anything else Chinese.
    pub fn parse(text: &str) -> Lang {
        if text.eq_ignore_ascii_case("en") {
            Lang::En
        } else {
            Lang::Zh
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    /// Picks the Chinese or English of a pair.
    pub fn pick<'a>(self, zh: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }

    /// The word for `key`; an unknown key is returned as is, so a gap shows rather than breaks.
    pub fn t(self, key: &'static str) -> &'static str {
        let (zh, en) = match key {
            "title" => ("科技需求对接", "Technology matchmaking"),
            "need_label" => ("技术需求", "Technical need"),
            "need_placeholder" => (
                "描述企业的技术需求，例如：锂电池热失控预警与储能安全",
                "Describe the enterprise's need, e.g. early warning of thermal runaway in lithium batteries",
            ),
            "filters" => ("筛选", "Filters"),
            "region" => ("地区", "Region"),
            "province" => ("省份", "Province"),
            "city" => ("城市", "City"),
            "county" => ("区县", "County"),
            "strategic" => ("战略区域", "Strategic region"),
            "industry" => ("行业", "Industry"),
            "discipline" => ("学科", "Discipline"),
            "modes" => ("合作方式", "Cooperation modes"),
            "min_maturity" => ("最低成熟度", "Minimum maturity"),
            "kinds" => ("资源类型", "Kinds"),
            "any" => ("不限", "Any"),
            "results" => ("匹配结果", "Results"),
            "loading" => ("正在加载资源目录……", "Loading the catalog…"),
            "load_failed" => ("资源目录加载失败", "The catalog could not be loaded"),
            "type_to_match" => ("输入需求即可实时匹配", "Type a need to see matches at once"),
            "no_results" => ("没有匹配的资源", "No matching resources"),
            "relax" => ("放宽此筛选", "Relax this filter"),
            "relax_hint" => ("可尝试放宽：", "Try relaxing: "),
            "fewer_words" => (
                "请换用更通用的词语，或减少关键词",
                "Try more general words or fewer keywords",
            ),
            "shortlist" => ("候选清单", "Shortlist"),
            "add" => ("加入清单", "Shortlist"),
            "remove" => ("移出清单", "Remove"),
            "export_csv" => ("导出 CSV", "Export CSV"),
            "intent" => ("记录对接意向", "Record intent"),
            "intent_record" => ("记录", "Record"),
            "cancel" => ("取消", "Cancel"),
            "enterprise" => ("企业名称", "Enterprise"),
            "enterprise_region" => ("企业所在地", "Where the enterprise is"),
            "whole_province" => ("（全省）", " (whole province)"),
            "not_given" => ("未填写", "Not given"),
            "note" => ("备注", "Note"),
            "fair" => ("对接会（可选）", "Fair (optional)"),
            "fair_placeholder" => ("例如：2025 粤港澳大湾区对接会", "e.g. 2025 Greater Bay Area fair"),
            "fair_is" => ("对接会：", "Fair: "),
            "no_fair" => ("未指定对接会", "No fair given"),
            "scope" => ("范围", "Scope"),
            "fair_day" => ("对接会现场", "At the fair"),
            "fair_sign_in" => (
                "以经纪人令牌登录后可打开对接会：日程、签到与洽谈结果",
                "Sign in with a broker token to open a fair: schedule, check-in and outcomes",
            ),
            "fair_list" => ("列出对接会", "List the fairs"),
            "fair_none" => ("暂无对接会", "No fairs"),
            "fair_back" => ("返回对接会列表", "Back to the fairs"),
            "fair_loading" => ("正在加载对接会日程…", "Loading the fair's day…"),
            "fair_offline_none" => (
                "离线，且本机没有该对接会的缓存",
                "Offline, and this device has no copy of this fair",
            ),
            "fair_cached" => ("显示本机缓存的日程", "Showing the copy kept on this device"),
            "fair_queued" => ("待发送", "queued"),
            "fair_schedule" => ("日程", "Schedule"),
            "fair_no_meetings" => ("尚未排定洽谈", "No meetings scheduled yet"),
            "checkins" => ("签到", "Check-in"),
            "check_in" => ("签到", "Check in"),
            "checked_in" => ("已签到", "Checked in"),
            "table" => ("桌 ", "Table "),
            "outcome_held" => ("已洽谈", "Held"),
            "outcome_no_show" => ("缺席", "No-show"),
            "outcome_follow_up" => ("希望后续对接", "Follow-up wanted"),
            "intent_needs_text" => ("请先输入需求", "Type the need first"),
            "intent_queued" => ("意向待发送", "Intent queued"),
            "intent_queued_sign_in" => (
                "意向待发送（登录后发送）",
                "Intent queued (sign in to send)",
            ),
            "intent_sent" => ("已发送", "Sent"),
            "intent_failed" => ("未被接受", "Not accepted"),
            "save_need" => ("保存为需求", "Save as need"),
            "need_organization" => ("需求企业", "Enterprise of the need"),
            "need_queued" => ("需求待保存", "Need queued"),
            "need_saved" => ("已保存为需求", "Saved as need"),
            "subscribe" => ("订阅推送", "Subscribe to push"),
            "subscribe_submit" => ("订阅", "Subscribe"),
            "subscribe_hint" => (
                "目录中新增或更新的资源符合此需求时推送",
                "Pushed when a new or changed resource fits this need",
            ),
            "channel" => ("推送方式", "Channel"),
            "channel_feed" => ("订阅源（Atom）", "Feed (Atom)"),
            "channel_email" => ("电子邮件", "E-mail"),
            "channel_webhook" => ("Webhook", "Webhook"),
            "email_address" => ("电子邮箱", "E-mail address"),
            "webhook_url" => ("Webhook 地址", "Webhook URL"),
            "frequency" => ("频率", "Frequency"),
            "frequency_immediate" => ("即时", "Immediately"),
            "frequency_daily" => ("每日汇总", "Daily digest"),
            "frequency_weekly" => ("每周汇总", "Weekly digest"),
            "min_fit" => ("最低匹配度（%）", "Lowest fit (%)"),
            "top" => ("名次前", "Within the top"),
            "subscribed" => ("已订阅", "Subscribed"),
            "subscribed_feed" => ("订阅源地址（请妥善保存）：", "Feed URL (keep it private): "),
            "subscribed_secret" => (
                "Webhook 签名密钥（仅显示这一次）：",
                "Webhook signing secret (shown this once): ",
            ),
            "subscribed_email" => ("推送将发送至 ", "Digests go to "),
            "subscribe_offline" => (
                "离线：订阅需要联网，未保存，请联网后再试",
                "Offline: subscribing needs the network; nothing was saved, try again when online",
            ),
            "subscribe_refused" => ("订阅未被接受", "The subscription was not accepted"),
            "subscribe_sign_in" => (
                "令牌无权订阅此需求，请重新登录",
                "The token may not subscribe this need; sign in again",
            ),
            "broker_token" => ("经纪人令牌", "Broker token"),
            "sign_in" => ("登录", "Sign in"),
            "sign_out" => ("退出", "Sign out"),
            "signed_in" => ("已登录，意向将自动发送", "Signed in: intents are sent automatically"),
            "token_rejected" => ("令牌无效", "The token was not accepted"),
            "token_unreachable" => (
                "暂时无法连接服务器，请稍后再试",
                "The server cannot be reached; try again later",
            ),
            "empty_shortlist" => ("尚未选择资源", "Nothing shortlisted yet"),
            "online" => ("在线", "online"),
            "offline" => ("离线", "offline"),
            "from_cache" => ("使用离线缓存", "from the offline cache"),
            "from_server" => (
                "目录加载中，结果来自服务器",
                "results from the server while the catalog loads",
            ),
            "catalog" => ("目录版本", "catalog"),
            "resources" => ("条资源", "resources"),
            "reasons" => ("匹配理由", "Why"),
            "score" => ("匹配度", "Fit"),
            "no_strong_match" => (
                "本目录中没有高度匹配的资源；以下是可能相关的：",
                "No strong match in this catalog; these may be related:",
            ),
            "no_match_nearest" => (
                "本目录中没有匹配的资源；最接近的：",
                "No match in this catalog; the nearest:",
            ),
            "facets" => ("结果分布", "Narrow down"),
            "clear" => ("清除", "Clear"),
            "more" => ("显示更多", "Show more"),
            "language" => ("English", "中文"),
            "maturity" => ("成熟度", "TRL"),
            _ => (key, key),
        };
        self.pick(zh, en)
    }
}

/// The label of a score component.
pub fn component_label(lang: Lang, name: &str) -> String {
    let (zh, en) = match name {
        "text" => ("文本", "text"),
        "keywords" => ("关键词", "keywords"),
        "related" => ("相关关键词", "related keywords"),
        "discipline" => ("学科", "discipline"),
        "inferred" => ("推断学科", "inferred discipline"),
        "industry" => ("行业", "industry"),
        "region" => ("地区", "region"),
        "maturity" => ("成熟度", "maturity"),
        "modes" => ("合作方式", "modes"),
        other => (other, other),
    };
    lang.pick(zh, en).to_string()
}
