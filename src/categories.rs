//! categories: the vocabulary: every row code, column code and the label text naming it.
//!
//! This is the only module that knows label wording. Keys are matched against label text
//! normalised by [`crate::text::label_key`] (NFKC, whitespace removed, ASCII brackets), so a
//! key is written here once in that form.

use std::collections::HashMap;
use std::sync::LazyLock;

use crate::text::is_han;
use serde::{Deserialize, Serialize};

/// The three statistics tables of a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Section {
    /// 二、主动公开政府信息情况.
    Active,
    /// 三、收到和处理政府信息公开申请情况.
    Applications,
    /// 四、政府信息公开行政复议、行政诉讼情况.
    ReviewLitigation,
}

impl Section {
    /// The section a code names, if any.
    pub fn from_code(code: &str) -> Option<Section> {
        [
            Section::Active,
            Section::Applications,
            Section::ReviewLitigation,
        ]
        .into_iter()
        .find(|s| s.code() == code)
    }

    /// The code written to the output tables.
    pub fn code(self) -> &'static str {
        match self {
            Section::Active => "active",
            Section::Applications => "applications",
            Section::ReviewLitigation => "review_litigation",
        }
    }

    /// The table's name as printed in reports, for messages.
    pub fn name_zh(self) -> &'static str {
        match self {
            Section::Active => "二、主动公开政府信息情况",
            Section::Applications => "三、收到和处理政府信息公开申请情况",
            Section::ReviewLitigation => "四、政府信息公开行政复议、行政诉讼情况",
        }
    }
}

macro_rules! code_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident => $code:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($(#[$vmeta])* $variant),+ }

        impl $name {
            /// Every value, in documentation order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The code written to the output tables.
            pub fn code(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }

            /// The value a code names, if any.
            pub fn from_code(code: &str) -> Option<Self> {
                $name::ALL.iter().copied().find(|v| v.code() == code)
            }
        }

        impl Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.code())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let code = String::deserialize(d)?;
                $name::from_code(&code)
                    .ok_or_else(|| serde::de::Error::custom(format!("unknown code {code:?}")))
            }
        }
    };
}
pub(crate) use code_enum;

code_enum! {
    /// A table row: the `category` column (`docs/categories.csv`).
    Category {
        /// 规章
        ActiveRules => "active.rules",
        /// 规范性文件 / 行政规范性文件
        ActiveNormativeDocs => "active.normative_docs",
        /// 行政许可
        ActiveLicensing => "active.licensing",
        /// 其他对外管理服务事项 (2019)
        ActiveOtherServices => "active.other_services",
        /// 行政处罚
        ActivePenalty => "active.penalty",
        /// 行政强制
        ActiveEnforcement => "active.enforcement",
        /// 行政事业性收费
        ActiveFees => "active.fees",
        /// 政府集中采购 (2019)
        ActiveProcurement => "active.procurement",
        /// 一、本年新收政府信息公开申请数量
        New => "applications.new",
        /// 二、上年结转政府信息公开申请数量
        CarriedOver => "applications.carried_over",
        /// （一）予以公开
        Disclosed => "applications.outcome.disclosed",
        /// （二）部分公开
        PartiallyDisclosed => "applications.outcome.partially_disclosed",
        /// （三）1.属于国家秘密
        StateSecret => "applications.outcome.withheld.state_secret",
        /// （三）2.其他法律行政法规禁止公开
        ProhibitedByLaw => "applications.outcome.withheld.prohibited_by_law",
        /// （三）3.危及“三安全一稳定”
        SecurityStability => "applications.outcome.withheld.security_stability",
        /// （三）4.保护第三方合法权益
        ThirdParty => "applications.outcome.withheld.third_party",
        /// （三）5.属于三类内部事务信息
        InternalAffairs => "applications.outcome.withheld.internal_affairs",
        /// （三）6.属于四类过程性信息
        ProcessInfo => "applications.outcome.withheld.process_info",
        /// （三）7.属于行政执法案卷
        EnforcementFile => "applications.outcome.withheld.enforcement_file",
        /// （三）8.属于行政查询事项
        QueryMatter => "applications.outcome.withheld.query_matter",
        /// （四）1.本机关不掌握相关政府信息
        NotHeld => "applications.outcome.unavailable.not_held",
        /// （四）2.没有现成信息需要另行制作
        NeedsCreation => "applications.outcome.unavailable.needs_creation",
        /// （四）3.补正后申请内容仍不明确
        Unclear => "applications.outcome.unavailable.unclear",
        /// （五）1.信访举报投诉类申请
        Petition => "applications.outcome.not_processed.petition",
        /// （五）2.重复申请
        Duplicate => "applications.outcome.not_processed.duplicate",
        /// （五）3.要求提供公开出版物
        Publication => "applications.outcome.not_processed.publication",
        /// （五）4.无正当理由大量反复申请
        Vexatious => "applications.outcome.not_processed.vexatious",
        /// （五）5.要求行政机关确认或重新出具已获取信息
        ConfirmExisting => "applications.outcome.not_processed.confirm_existing",
        /// （六）其他处理, one row (2019)
        OtherOutcome => "applications.outcome.other",
        /// （六）1.逾期不补正 (2021)
        NoCorrection => "applications.outcome.other.no_correction",
        /// （六）2.逾期未缴纳费用 (2021)
        UnpaidFee => "applications.outcome.other.unpaid_fee",
        /// （六）3.其他 (2021)
        OtherOther => "applications.outcome.other.other",
        /// （七）总计
        OutcomeTotal => "applications.outcome.total",
        /// 四、结转下年度继续办理
        CarriedForward => "applications.carried_forward",
        /// 行政复议
        Review => "review",
        /// 行政诉讼 未经复议直接起诉
        LitigationDirect => "litigation.direct",
        /// 行政诉讼 复议后起诉
        LitigationAfterReview => "litigation.after_review",
    }
}

code_enum! {
    /// A table column: the `breakdown` column.
    Breakdown {
        /// 自然人
        NaturalPerson => "natural_person",
        /// 商业企业
        Commercial => "commercial",
        /// 科研机构
        Research => "research",
        /// 社会公益组织
        SocialWelfare => "social_welfare",
        /// 法律服务机构
        LegalServices => "legal_services",
        /// 其他 (organisation)
        OtherOrg => "other_org",
        /// 法人或其他组织小计 (non-standard)
        OrgSubtotal => "org_subtotal",
        /// 总计
        Total => "total",
        /// 结果维持
        Upheld => "upheld",
        /// 结果纠正
        Corrected => "corrected",
        /// 其他结果
        Other => "other",
        /// 尚未审结
        Pending => "pending",
        /// 本年新制作数量 (2019)
        Made => "made",
        /// 本年新公开数量 (2019)
        Published => "published",
        /// 对外公开总数量 (2019)
        TotalPublished => "total_published",
        /// 本年制发件数 (2021)
        Issued => "issued",
        /// 本年废止件数 (2021)
        Repealed => "repealed",
        /// 现行有效件数 (2021)
        InForce => "in_force",
        /// 上一年项目数量
        ItemsPrevYear => "items_prev_year",
        /// 本年增/减
        ItemsChange => "items_change",
        /// 本年项目数量 (variant)
        Items => "items",
        /// 处理决定数量 / 本年处理决定数量
        Decisions => "decisions",
        /// 本年收费金额（单位：万元）
        FeeAmount => "fee_amount",
        /// 采购项目数量
        ProcurementItems => "procurement_items",
        /// 采购总金额
        ProcurementAmount => "procurement_amount",
    }
}

impl Category {
    /// The table the row belongs to.
    pub fn section(self) -> Section {
        use Category::*;
        match self {
            ActiveRules | ActiveNormativeDocs | ActiveLicensing | ActiveOtherServices
            | ActivePenalty | ActiveEnforcement | ActiveFees | ActiveProcurement => Section::Active,
            Review | LitigationDirect | LitigationAfterReview => Section::ReviewLitigation,
            _ => Section::Applications,
        }
    }

    /// Whether the row is one of the outcome rows that sum to （七）总计 (check 3).
    pub fn is_outcome_part(self) -> bool {
        self.code().starts_with("applications.outcome.") && self != Category::OutcomeTotal
    }
}

impl Breakdown {
    /// Whether the column holds money (converted to 元).
    pub fn is_money(self) -> bool {
        matches!(self, Breakdown::FeeAmount | Breakdown::ProcurementAmount)
    }
}

/// Table 三's outcome rows in the groups the format prints (三、本年度办理结果 （一）…（六）),
/// for summaries.
pub const OUTCOME_GROUPS: [(&str, &[Category]); 6] = [
    ("予以公开", &[Category::Disclosed]),
    ("部分公开", &[Category::PartiallyDisclosed]),
    (
        "不予公开",
        &[
            Category::StateSecret,
            Category::ProhibitedByLaw,
            Category::SecurityStability,
            Category::ThirdParty,
            Category::InternalAffairs,
            Category::ProcessInfo,
            Category::EnforcementFile,
            Category::QueryMatter,
        ],
    ),
    (
        "无法提供",
        &[
            Category::NotHeld,
            Category::NeedsCreation,
            Category::Unclear,
        ],
    ),
    (
        "不予处理",
        &[
            Category::Petition,
            Category::Duplicate,
            Category::Publication,
            Category::Vexatious,
            Category::ConfirmExisting,
        ],
    ),
    (
        "其他处理",
        &[
            Category::OtherOutcome,
            Category::NoCorrection,
            Category::UnpaidFee,
            Category::OtherOther,
        ],
    ),
];

/// Table 三's seven value columns in the order both national formats print them.
pub const APPLICANT_COLUMNS: [Breakdown; 7] = [
    Breakdown::NaturalPerson,
    Breakdown::Commercial,
    Breakdown::Research,
    Breakdown::SocialWelfare,
    Breakdown::LegalServices,
    Breakdown::OtherOrg,
    Breakdown::Total,
];

/// The six applicant columns that sum to `total` (check 2).
pub const APPLICANT_PARTS: [Breakdown; 6] = [
    Breakdown::NaturalPerson,
    Breakdown::Commercial,
    Breakdown::Research,
    Breakdown::SocialWelfare,
    Breakdown::LegalServices,
    Breakdown::OtherOrg,
];

/// Table 四's rows, in print order; each has the five [`REVIEW_COLUMNS`].
pub const REVIEW_ROWS: [Category; 3] = [
    Category::Review,
    Category::LitigationDirect,
    Category::LitigationAfterReview,
];

/// Table 四's five columns per group, in print order.
pub const REVIEW_COLUMNS: [Breakdown; 5] = [
    Breakdown::Upheld,
    Breakdown::Corrected,
    Breakdown::Other,
    Breakdown::Pending,
    Breakdown::Total,
];

impl Breakdown {
    /// The column's header as the national format prints it.
    pub fn label(self) -> &'static str {
        use Breakdown::*;
        match self {
            NaturalPerson => "自然人",
            Commercial => "商业企业",
            Research => "科研机构",
            SocialWelfare => "社会公益组织",
            LegalServices => "法律服务机构",
            OtherOrg => "其他",
            OrgSubtotal => "法人或其他组织小计",
            Total => "总计",
            Upheld => "结果维持",
            Corrected => "结果纠正",
            Other => "其他结果",
            Pending => "尚未审结",
            Made => "本年新制作数量",
            Published => "本年新公开数量",
            TotalPublished => "对外公开总数量",
            Issued => "本年制发件数",
            Repealed => "本年废止件数",
            InForce => "现行有效件数",
            ItemsPrevYear => "上一年项目数量",
            ItemsChange => "本年增/减",
            Items => "本年项目数量",
            Decisions => "处理决定数量",
            FeeAmount => "本年收费金额（单位：万元）",
            ProcurementItems => "采购项目数量",
            ProcurementAmount => "采购总金额",
        }
    }

    /// The column header that names this column of table 三 or 四 in the national format
    /// (label-key form), where a grid prints it in a cell of its own: the printed label,
    /// except the non-standard subtotal, which grids head `小计`.
    pub fn column_header(self) -> Option<&'static str> {
        use Breakdown::*;
        match self {
            OrgSubtotal => Some("小计"),
            NaturalPerson | Commercial | Research | SocialWelfare | LegalServices | OtherOrg
            | Total | Upheld | Corrected | Other | Pending => Some(self.label()),
            _ => None,
        }
    }
}

/// One row of the `categories` table written beside the facts: a category as the
/// national format prints it (`docs/categories.csv`, shipped inside the binary).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CategoryEntry {
    /// The category.
    pub category: Category,
    /// The row's label as printed (`（三）不予公开 1.属于国家秘密`).
    pub label: &'static str,
    /// Where it stands in the format: `第二十条第（一）项` for table 二's rows, the
    /// numbered part (`一` … `四`) of table 三; empty for table 四.
    pub group: &'static str,
    /// The templates it exists in (`2019|2021`).
    pub templates: &'static str,
    /// Its place in the report's own order, from 1.
    pub order: i32,
}

/// Every category with its printed label, in the order reports print them.
pub fn category_entries() -> Vec<CategoryEntry> {
    include_str!("../docs/categories.csv")
        .lines()
        .skip(1)
        .filter_map(|line| {
            let fields: Vec<&'static str> = line.splitn(5, ',').collect();
            let category = Category::from_code(fields.get(1)?)?;
            Some((category, fields))
        })
        .enumerate()
        .map(|(i, (category, fields))| CategoryEntry {
            category,
            label: fields[2],
            group: fields.get(4).copied().unwrap_or(""),
            templates: fields[3],
            order: i as i32 + 1,
        })
        .collect()
}

/// Column headers of table 二's sub-tables (label-key form). Order matters where one key
/// contains another: the matcher takes the longest key at each position.
pub const ACTIVE_COLUMN_KEYS: &[(&str, Breakdown)] = &[
    ("本年新制作数量", Breakdown::Made),
    ("本年新公开数量", Breakdown::Published),
    ("对外公开总数量", Breakdown::TotalPublished),
    ("本年制发件数", Breakdown::Issued),
    ("本年废止件数", Breakdown::Repealed),
    ("现行有效件数", Breakdown::InForce),
    ("上一年项目数量", Breakdown::ItemsPrevYear),
    ("本年增/减", Breakdown::ItemsChange),
    ("本年增减", Breakdown::ItemsChange),
    ("本年项目数量", Breakdown::Items),
    ("处理决定数量", Breakdown::Decisions),
    ("本年收费金额", Breakdown::FeeAmount),
    ("采购项目数量", Breakdown::ProcurementItems),
    ("采购总金额", Breakdown::ProcurementAmount),
];

/// Keywords of table 三's rows (label-key form), the fallback when the text before a
/// row's numbers does not end with the start of a printed label ([`APPLICATION_LABELS`]):
/// a typo (`其他法律行政止公开`), or text run on after the label. Each key is specific
/// enough not to occur in another row's label; the matcher takes the key whose match ends
/// last, so header text before the first row does not matter. （六）3.其他 has no unique
/// wording; [`crate::map`] recognises it by the row before it.
pub const APPLICATION_ROW_KEYS: &[(&str, Category)] = &[
    ("本年新收", Category::New),
    ("上年结转", Category::CarriedOver),
    ("予以公开", Category::Disclosed),
    ("部分公开", Category::PartiallyDisclosed),
    ("属于国家秘密", Category::StateSecret),
    ("国家秘密", Category::StateSecret),
    ("禁止公开", Category::ProhibitedByLaw),
    ("行政法规", Category::ProhibitedByLaw),
    // The 洪泽区 PDFs print the typo 其他法律行政止公开.
    ("其他法律", Category::ProhibitedByLaw),
    ("三安全一稳定", Category::SecurityStability),
    ("三安全", Category::SecurityStability),
    ("保护第三方", Category::ThirdParty),
    ("第三方合法权益", Category::ThirdParty),
    ("三类内部事务", Category::InternalAffairs),
    ("内部事务信息", Category::InternalAffairs),
    ("三类内部", Category::InternalAffairs),
    ("四类过程性", Category::ProcessInfo),
    ("过程性信息", Category::ProcessInfo),
    ("四类过程", Category::ProcessInfo),
    ("行政执法案卷", Category::EnforcementFile),
    ("执法案卷", Category::EnforcementFile),
    ("行政查询事项", Category::QueryMatter),
    ("行政查询", Category::QueryMatter),
    ("不掌握", Category::NotHeld),
    ("没有现成信息", Category::NeedsCreation),
    ("另行制作", Category::NeedsCreation),
    ("没有现成", Category::NeedsCreation),
    ("补正后", Category::Unclear),
    ("仍不明确", Category::Unclear),
    ("信访举报", Category::Petition),
    ("投诉类申请", Category::Petition),
    ("重复申请", Category::Duplicate),
    ("公开出版物", Category::Publication),
    ("要求提供公开", Category::Publication),
    ("大量反复", Category::Vexatious),
    ("无正当理由大量", Category::Vexatious),
    ("确认或重新出具", Category::ConfirmExisting),
    ("已获取信息", Category::ConfirmExisting),
    ("要求行政机关确认", Category::ConfirmExisting),
    ("其他处理", Category::OtherOutcome),
    ("逾期不补正", Category::NoCorrection),
    ("申请人无正当理由", Category::NoCorrection),
    ("缴纳费用", Category::UnpaidFee),
    ("逾期未按收费", Category::UnpaidFee),
    ("收费通知", Category::UnpaidFee),
    ("总计", Category::OutcomeTotal),
    ("结转下年度", Category::CarriedForward),
    ("下年度继续办理", Category::CarriedForward),
];

/// Table 三's row labels as the national formats print them (label-key form). A row is
/// recognised when the text before its numbers ends with the beginning of one of these:
/// PDF conversions wrap labels, so only their start may stand before the numbers.
pub const APPLICATION_LABELS: &[(&str, Category)] = &[
    ("一、本年新收政府信息公开申请数量", Category::New),
    ("二、上年结转政府信息公开申请数量", Category::CarriedOver),
    ("(一)予以公开", Category::Disclosed),
    (
        "(二)部分公开(区分处理的,只计这一情形,不计其他情形)",
        Category::PartiallyDisclosed,
    ),
    ("1.属于国家秘密", Category::StateSecret),
    ("2.其他法律行政法规禁止公开", Category::ProhibitedByLaw),
    ("3.危及\"三安全一稳定\"", Category::SecurityStability),
    ("4.保护第三方合法权益", Category::ThirdParty),
    ("5.属于三类内部事务信息", Category::InternalAffairs),
    ("6.属于四类过程性信息", Category::ProcessInfo),
    ("7.属于行政执法案卷", Category::EnforcementFile),
    ("8.属于行政查询事项", Category::QueryMatter),
    ("1.本机关不掌握相关政府信息", Category::NotHeld),
    ("2.没有现成信息需要另行制作", Category::NeedsCreation),
    ("3.补正后申请内容仍不明确", Category::Unclear),
    ("1.信访举报投诉类申请", Category::Petition),
    ("2.重复申请", Category::Duplicate),
    ("3.要求提供公开出版物", Category::Publication),
    ("4.无正当理由大量反复申请", Category::Vexatious),
    (
        "5.要求行政机关确认或重新出具已获取信息",
        Category::ConfirmExisting,
    ),
    ("(六)其他处理", Category::OtherOutcome),
    (
        "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
        Category::NoCorrection,
    ),
    (
        "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
        Category::UnpaidFee,
    ),
    ("3.其他", Category::OtherOther),
    ("(七)总计", Category::OutcomeTotal),
    ("四、结转下年度继续办理", Category::CarriedForward),
];

/// Table 二's row labels as printed (label-key form).
pub const ACTIVE_LABELS: &[(&str, Category)] = &[
    ("规章", Category::ActiveRules),
    ("规范性文件", Category::ActiveNormativeDocs),
    ("行政规范性文件", Category::ActiveNormativeDocs),
    ("行政许可", Category::ActiveLicensing),
    ("其他对外管理服务事项", Category::ActiveOtherServices),
    ("行政处罚", Category::ActivePenalty),
    ("行政强制", Category::ActiveEnforcement),
    ("行政事业性收费", Category::ActiveFees),
    ("政府集中采购", Category::ActiveProcurement),
];

/// The beginnings of table 三's numbered item labels (label-key form): the numbering and
/// the three characters after it (`5.属于三类`, `1.本机关不`), each with its row. Two of
/// them in one row's label mean two rows' labels ran together before one row of numbers.
/// The group heading （六）其他处理 is left out: its items follow it in the same label.
pub static APPLICATION_ITEM_STARTS: LazyLock<Vec<(memchr::memmem::Finder<'static>, Category)>> =
    LazyLock::new(|| {
        APPLICATION_LABELS
            .iter()
            .filter(|(label, c)| numbering_len(label) > 0 && *c != Category::OtherOutcome)
            .map(|(label, c)| {
                let start: String = label.chars().take(numbering_len(label) + 3).collect();
                (memchr::memmem::Finder::new(&start).into_owned(), *c)
            })
            .collect()
    });

/// Length in chars of a label's leading numbering (`一、`, `十二、`, `(一)`, `1.`, `12、`), 0
/// if it has none.
pub fn numbering_len(label: &str) -> usize {
    let is_han_digit = |c: char| "一二三四五六七八九十".contains(c);
    let mut chars = label.chars();
    match chars.next() {
        Some('(') => {
            let digits = chars.clone().take_while(|c| is_han_digit(*c)).count();
            let closed = chars.nth(digits) == Some(')');
            if digits > 0 && closed {
                digits + 2
            } else {
                0
            }
        }
        Some(first) if is_han_digit(first) || first.is_ascii_digit() => {
            let digits = 1 + chars
                .clone()
                .take_while(|c| is_han_digit(*c) || c.is_ascii_digit())
                .count();
            match chars.nth(digits - 1) {
                Some('、' | '.') => digits + 1,
                _ => 0,
            }
        }
        _ => 0,
    }
}

/// The text after a leading numbering ([`numbering_len`]), where the text starts with one.
pub fn after_numbering(text: &str) -> Option<&str> {
    let n = numbering_len(text);
    (n > 0).then(|| text.char_indices().nth(n).map_or("", |(i, _)| &text[i..]))
}

/// Names a row from the text before its numbers (label-key form): the category whose
/// printed label begins with the longest tail of the text. The label may appear with or
/// without its numbering (`1.` written `1、` too), and the match must cover two characters
/// past the numbering. `None` when nothing matches or two rows match equally.
pub fn anchored_label(key: &str, table: RowLabels) -> Option<Category> {
    let key: Vec<char> = normalize_numbering(key).chars().collect();
    let last = *key.last()?;
    let labels = table.labels();
    let mut best: Option<(usize, Category)> = None;
    let mut tie = false;
    // Candidates come longest first for each form, so a form's first match is its longest.
    let mut matched_form = None;
    for &(form_index, k) in labels.ending_in.get(&last).map_or(&[][..], Vec::as_slice) {
        if matched_form == Some(form_index) {
            continue;
        }
        let form = &labels.forms[form_index];
        if !key.ends_with(&form.chars[..k]) {
            continue;
        }
        matched_form = Some(form_index);
        match best {
            Some((b, c)) if k == b && c != form.category => tie = true,
            Some((b, _)) if k <= b => {}
            _ => {
                best = Some((k, form.category));
                tie = false;
            }
        }
    }
    if tie {
        None
    } else {
        best.map(|(_, c)| c)
    }
}

/// A table's label forms, and the prefixes that may match a key, by their last character.
struct LabelForms {
    forms: Vec<LabelForm>,
    /// For each character, the `(form, prefix length)` pairs whose prefix ends in it,
    /// by form and then longest prefix first. A key can only end with such a prefix, so
    /// a lookup tries a handful of prefixes instead of every prefix of every form.
    ending_in: HashMap<char, Vec<(usize, usize)>>,
}

impl LabelForms {
    fn new(labels: &[(&str, Category)]) -> LabelForms {
        let forms = build_forms(labels);
        let mut ending_in: HashMap<char, Vec<(usize, usize)>> = HashMap::new();
        for (index, form) in forms.iter().enumerate() {
            for k in (form.min_len..=form.chars.len()).rev() {
                ending_in
                    .entry(form.chars[k - 1])
                    .or_default()
                    .push((index, k));
            }
        }
        LabelForms { forms, ending_in }
    }
}

/// A printed label, or its bare form without numbering, ready for matching.
struct LabelForm {
    chars: Vec<char>,
    /// Shortest prefix that names the row: the numbering plus two characters.
    min_len: usize,
    category: Category,
}

/// Least share of a printed label's Chinese characters that a misread label must keep,
/// in order, to be taken for it ([`nearest_label`]).
pub const NEAREST_SHARE: f64 = 0.6;
/// How much nearer than any other row's label the nearest must be.
pub const NEAREST_MARGIN: f64 = 0.25;
/// Fewest Chinese characters a printed label needs to be matched so: a short label
/// (`总计`) misread has too little left to tell it from another.
const NEAREST_MIN_CHARS: usize = 5;

/// The row whose printed label a misread label (OCR's `3.危用:生安全一稳定”` for
/// `3.危及"三安全一稳定"`) is nearest to, where one clearly is: the label keeps, in
/// order, at least [`NEAREST_SHARE`] of that label's Chinese characters, at least
/// [`NEAREST_MARGIN`] more than of any other row's (or else the characters that tell them
/// apart decide: `told_apart`), and its item number, where it has one, is that label's.
/// Only for text read by OCR: a text layer's label is as printed.
pub fn nearest_label(key: &str, table: RowLabels) -> Option<Category> {
    let key_chars: Vec<char> = normalize_numbering(key).chars().collect();
    let key_han = han_chars(key_chars.iter().copied());
    let key_item = item_number(&key_chars);
    let forms = &table.labels().forms;
    // The item number of each row's printed label (its bare form has none).
    let items: Vec<(Category, u32)> = forms
        .iter()
        .filter_map(|f| Some((f.category, item_number(&f.chars)?)))
        .collect();
    let candidates: Vec<(f64, Category, Vec<char>)> = forms
        .iter()
        .filter_map(|form| {
            let label = han_chars(form.chars.iter().copied());
            if label.len() < NEAREST_MIN_CHARS {
                return None;
            }
            let item = items
                .iter()
                .find(|(c, _)| *c == form.category)
                .map(|(_, n)| *n);
            if key_item.is_some() && item.is_some() && key_item != item {
                return None;
            }
            // The key's tail as long as the label and a little more: text before it (a
            // group heading) is not the row's.
            let tail = &key_han[key_han.len().saturating_sub(label.len() + 2)..];
            let share = common_in_order(tail, &label) as f64 / label.len() as f64;
            Some((share, form.category, label))
        })
        .collect();
    clearly_nearest(candidates.iter().map(|(share, c, _)| (*share, *c, *c)))
        .map(|(_, category)| category)
        .or_else(|| told_apart(&candidates, &key_han))
}

/// Where no row's label is clearly nearest by its share alone, as when two labels share
/// most of their characters (`二、上年结特政府信息公开申请数量` keeps 13 of the 14 of
/// 上年结转政府信息公开申请数量 and 11 of 本年新收政府信息公开申请数量): the nearest, if the
/// characters that tell it from each row within [`NEAREST_MARGIN`] of it decide. The key
/// keeps at least two thirds of the nearest's own characters (上结 of 上结转) and none of
/// the other's (本新收). A misreading that loses every character of one label's own and
/// makes most of another's is not one OCR makes.
fn told_apart(candidates: &[(f64, Category, Vec<char>)], key_han: &[char]) -> Option<Category> {
    // Each row's best form.
    let best = best_of_each_group(
        candidates
            .iter()
            .map(|(share, category, label)| (*share, *category, label.as_slice())),
    );
    let (nearest, others) = best.split_first()?;
    if nearest.0 < NEAREST_SHARE {
        return None;
    }
    let kept = |chars: &[char]| chars.iter().filter(|c| key_han.contains(c)).count();
    for other in others.iter().filter(|o| nearest.0 - o.0 < NEAREST_MARGIN) {
        let (own, theirs) = (only_in(nearest.2, other.2), only_in(other.2, nearest.2));
        let decides = !own.is_empty() && 3 * kept(&own) >= 2 * own.len();
        if !decides || theirs.is_empty() || kept(&theirs) > 0 {
            return None;
        }
    }
    Some(nearest.1)
}

/// The characters of `a` that `b` does not have, counted as many times as `a` has them
/// beyond `b`.
fn only_in(a: &[char], b: &[char]) -> Vec<char> {
    let mut rest = b.to_vec();
    a.iter()
        .copied()
        .filter(|c| match rest.iter().position(|r| r == c) {
            Some(i) => {
                rest.swap_remove(i);
                false
            }
            None => true,
        })
        .collect()
}

/// The printed column header of table 二 ([`ACTIVE_COLUMN_KEYS`]) that a header cell
/// misread by OCR (`本年增/碱`) clearly is: it keeps, in order, at least
/// [`NEAREST_SHARE`] of that header's Chinese characters (and at least three), at least
/// [`NEAREST_MARGIN`] more than of any header of another column. Only for text read by
/// OCR.
pub fn nearest_column_header(key: &str) -> Option<&'static str> {
    let cell = han_chars(key.chars());
    let candidates = ACTIVE_COLUMN_KEYS
        .iter()
        .filter_map(|&(header, breakdown)| {
            let printed = han_chars(header.chars());
            if printed.len() < 4 || cell.len() > printed.len() + 1 {
                return None;
            }
            let share = common_in_order(&cell, &printed) as f64 / printed.len() as f64;
            Some((share, breakdown, header))
        });
    clearly_nearest(candidates)
        .filter(|(share, header)| share * han_chars(header.chars()).len() as f64 >= 3.0)
        .map(|(_, header)| header)
}

/// Of candidates `(share, group, item)`, each group's best (its first on ties), the
/// highest share first.
fn best_of_each_group<G: PartialEq, I>(
    candidates: impl IntoIterator<Item = (f64, G, I)>,
) -> Vec<(f64, G, I)> {
    let mut best: Vec<(f64, G, I)> = Vec::new();
    for (share, group, item) in candidates {
        match best.iter_mut().find(|(_, g, _)| *g == group) {
            Some(b) if b.0 >= share => {}
            Some(b) => *b = (share, group, item),
            None => best.push((share, group, item)),
        }
    }
    best.sort_by(|a, b| b.0.total_cmp(&a.0));
    best
}

/// Of candidates `(share, group, item)`, the best item of the group with the highest
/// share (a group's first on ties), where that share is at least [`NEAREST_SHARE`] and
/// [`NEAREST_MARGIN`] ahead of every other group's best.
fn clearly_nearest<G: PartialEq, I>(
    candidates: impl IntoIterator<Item = (f64, G, I)>,
) -> Option<(f64, I)> {
    let mut ranked = best_of_each_group(candidates).into_iter();
    let (first, _, item) = ranked.next()?;
    let clear = ranked
        .next()
        .is_none_or(|(second, _, _)| first - second >= NEAREST_MARGIN);
    (first >= NEAREST_SHARE && clear).then_some((first, item))
}

/// The Chinese (Han) characters among `chars`, in order.
fn han_chars(chars: impl IntoIterator<Item = char>) -> Vec<char> {
    chars.into_iter().filter(|&c| is_han(c)).collect()
}

/// The item number a label starts with (`3.` → 3), if it has one.
fn item_number(chars: &[char]) -> Option<u32> {
    let digits: String = chars.iter().take_while(|c| c.is_ascii_digit()).collect();
    let after = chars.get(digits.len())?;
    if digits.is_empty() || !matches!(after, '.' | '、') {
        return None;
    }
    digits.parse().ok()
}

/// How many characters two texts have in common in the same order (their longest common
/// subsequence).
fn common_in_order(a: &[char], b: &[char]) -> usize {
    let mut row = vec![0usize; b.len() + 1];
    for x in a {
        let mut diagonal = 0;
        for (j, y) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = if x == y {
                diagonal + 1
            } else {
                above.max(row[j])
            };
            diagonal = above;
        }
    }
    row[b.len()]
}

/// Which table's printed row labels to match.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowLabels {
    /// Table 二: [`ACTIVE_LABELS`].
    Active,
    /// Table 三: [`APPLICATION_LABELS`].
    Applications,
}

impl RowLabels {
    /// The matchable forms of the table's labels, built once.
    fn labels(self) -> &'static LabelForms {
        static ACTIVE: LazyLock<LabelForms> = LazyLock::new(|| LabelForms::new(ACTIVE_LABELS));
        static APPLICATIONS: LazyLock<LabelForms> =
            LazyLock::new(|| LabelForms::new(APPLICATION_LABELS));
        match self {
            RowLabels::Active => &ACTIVE,
            RowLabels::Applications => &APPLICATIONS,
        }
    }
}

fn build_forms(labels: &[(&str, Category)]) -> Vec<LabelForm> {
    let mut forms = Vec::new();
    for (label, category) in labels {
        let chars: Vec<char> = label.chars().collect();
        let numbering = numbering_len(label);
        forms.push(LabelForm {
            min_len: (numbering + 2).min(chars.len()),
            chars: chars.clone(),
            category: *category,
        });
        // The bare form, where the numbering is left out; not for `3.其他`, whose bare
        // `其他` is every table's column header.
        if numbering > 0 && *category != Category::OtherOther {
            let bare = chars[numbering..].to_vec();
            forms.push(LabelForm {
                min_len: 2.min(bare.len()),
                chars: bare,
                category: *category,
            });
        }
    }
    forms
}

/// `1、` numbering written as `1.`, so both match the printed labels.
fn normalize_numbering(key: &str) -> String {
    let mut out = String::with_capacity(key.len());
    let mut prev_digit = false;
    for c in key.chars() {
        out.push(if c == '、' && prev_digit { '.' } else { c });
        prev_digit = c.is_ascii_digit();
    }
    out
}

/// The order of table 三's rows in both formats; used to tell a row's neighbours.
pub fn application_row_order(category: Category) -> usize {
    use Category::*;
    const ORDER: [Category; 26] = [
        New,
        CarriedOver,
        Disclosed,
        PartiallyDisclosed,
        StateSecret,
        ProhibitedByLaw,
        SecurityStability,
        ThirdParty,
        InternalAffairs,
        ProcessInfo,
        EnforcementFile,
        QueryMatter,
        NotHeld,
        NeedsCreation,
        Unclear,
        Petition,
        Duplicate,
        Publication,
        Vexatious,
        ConfirmExisting,
        OtherOutcome,
        NoCorrection,
        UnpaidFee,
        OtherOther,
        OutcomeTotal,
        CarriedForward,
    ];
    ORDER
        .iter()
        .position(|c| *c == category)
        .unwrap_or(usize::MAX)
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_misread_column_header_is_taken_for_the_one_it_clearly_is() {
        assert_eq!(nearest_column_header("本年增/碱"), Some("本年增/减"));
        assert_eq!(nearest_column_header("处理决定数重"), Some("处理决定数量"));
        // Not a header, or too little of one.
        assert_eq!(nearest_column_header("信息内容"), None);
        assert_eq!(nearest_column_header("本年"), None);
        assert_eq!(nearest_column_header("行政许可"), None);
    }

    #[test]
    fn a_misread_label_is_taken_for_the_one_it_is_clearly_nearest_to() {
        let near = |key: &str| nearest_label(&crate::text::label_key(key), RowLabels::Applications);
        assert_eq!(
            near("3.危用:生安全一稳定”"),
            Some(Category::SecurityStability)
        );
        assert_eq!(near(".保护第三广合法权共"), Some(Category::ThirdParty));
        assert_eq!(
            near("(三)不予公开 5.属于三类内部事物信息"),
            Some(Category::InternalAffairs)
        );
        // A wrong item number, too little left, or two labels as near: no row.
        assert_eq!(near("5.危用:生安全一稳定”"), None);
        assert_eq!(near("3.危用:生"), None);
        assert_eq!(near("总汁"), None);
        assert_eq!(near("属于类信息"), None);
        // Two labels that share most characters: the ones that tell them apart decide,
        // only where the key keeps most of one's and none of the other's.
        assert_eq!(
            near("二、上年结特政府信息公开申请数量"),
            Some(Category::CarriedOver)
        );
        assert_eq!(
            near("一、本年新牧政府信息公开申请数量"),
            Some(Category::New)
        );
        assert_eq!(near("二、上年新特政府信息公开申请数量"), None);
        assert_eq!(near("二、年结政府信息公开申请数量"), None);
        assert_eq!(only_in(&['上', '年', '年'], &['年', '本']), ['上', '年']);
    }
    use super::*;

    /// The docs' categories.csv and the enum list the same codes in the same order.
    #[test]
    fn categories_match_documented_vocabulary() {
        let csv = include_str!("../docs/categories.csv");
        let documented: Vec<&str> = csv
            .lines()
            .skip(1)
            .filter_map(|l| l.split(',').nth(1))
            .collect();
        let ours: Vec<&str> = Category::ALL.iter().map(|c| c.code()).collect();
        assert_eq!(documented, ours);
    }

    #[test]
    fn labels_are_recognised_from_their_beginning() {
        use crate::text::label_key;
        let m = |s: &str| anchored_label(&label_key(s), RowLabels::Applications);
        assert_eq!(
            m("(三) 不予公开 1. 属于国家秘密"),
            Some(Category::StateSecret)
        );
        assert_eq!(
            m("只计这一情形，不计其他情形） （三）不予公 1.属于国家秘"),
            Some(Category::StateSecret)
        );
        assert_eq!(m("开 密 2.其他法律行"), Some(Category::ProhibitedByLaw));
        assert_eq!(m("1、本机关不掌握"), Some(Category::NotHeld));
        assert_eq!(m("| 类别 | 数据1 | 予以公开"), Some(Category::Disclosed));
        assert_eq!(m("3.其他"), Some(Category::OtherOther));
        assert_eq!(m("申请人情况 总计 其他"), None, "a column header is no row");
        assert_eq!(m("1."), None, "numbering alone names nothing");
        assert_eq!(
            m("2.其他法律行政止公开"),
            None,
            "a typo past the start: keywords decide"
        );
        for (label, c) in APPLICATION_LABELS {
            assert_eq!(
                anchored_label(label, RowLabels::Applications),
                Some(*c),
                "{label}"
            );
        }
    }

    #[test]
    fn sections_follow_code_prefix() {
        for c in Category::ALL {
            let s = c.section().code();
            let prefix = c.code().split('.').next().unwrap();
            match s {
                "active" => assert_eq!(prefix, "active"),
                "applications" => assert_eq!(prefix, "applications"),
                _ => assert!(prefix == "review" || prefix == "litigation"),
            }
        }
    }
}
