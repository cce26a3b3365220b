"""The one catalogue of user-facing errors.

Every error a user can meet has a code here with a Chinese message and an English one. Code raises
``XinfangError(code, **params)``; tests build the expected text with ``message(code, **params)``
instead of pasting strings. Messages about a place in a file follow one shape:

    「{file}」{sheet} 表第 {row} 行「{column}」列：{problem}。请{fix}。
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType


@dataclass(frozen=True)
class Entry:
    zh: str
    en: str


_CATALOGUE: dict[str, Entry] = {
    # -- settings ---------------------------------------------------------------------------------
    "config.invalid": Entry(
        "设置 {key}（环境变量 {env}）的值「{value}」无效：应为{expected}。请改正后重试。",
        "Setting {key} (environment variable {env}) has invalid value {value!r}: expected {expected_en}.",
    ),
    "config.unknown": Entry(
        "没有名为 {key} 的设置。可用的设置：{known}。",
        "There is no setting named {key}. Known settings: {known}.",
    ),
    # -- database ---------------------------------------------------------------------------------
    "db.url_malformed": Entry(
        "数据库地址「{url}」格式不正确。请检查 XINFANG_DB_URL，例如 sqlite:////路径/xinfang.db 或 "
        "postgresql+psycopg://用户@127.0.0.1:5432/库名。",
        "Malformed database URL {url!r}. Check XINFANG_DB_URL, e.g. sqlite:////path/xinfang.db or "
        "postgresql+psycopg://user@127.0.0.1:5432/dbname.",
    ),
    "db.unsupported": Entry(
        "不支持的数据库类型「{dialect}」。请使用 SQLite 或 PostgreSQL。",
        "Unsupported database {dialect!r}. Use SQLite or PostgreSQL.",
    ),
    "db.unreachable": Entry(
        "无法连接数据库 {where}：{reason}。请确认数据库服务已启动、地址和端口正确。",
        "Cannot connect to the database at {where}: {reason}. Check that the server is running.",
    ),
    "db.readonly": Entry(
        "数据库文件 {where} 是只读的，无法写入。请检查文件和所在文件夹的写权限。",
        "The database file {where} is read-only. Check write permission on the file and its folder.",
    ),
    "db.locked": Entry(
        "数据库 {where} 正被其他程序占用（等待 {seconds} 秒后仍被锁定）。请稍后重试，或关闭占用它的程序。",
        "The database {where} is locked by another program (still locked after {seconds} s). Retry later.",
    ),
    "db.too_new": Entry(
        "数据库 {where} 由更新版本的信访工作簿创建（结构版本 {found}），本程序只认识到 {known}。"
        "请升级本程序，不要用旧版本打开它。",
        "The database {where} was migrated by a newer version (schema {found}); this version knows up to "
        "{known}. Upgrade the program instead of opening it with an old one.",
    ),
    "db.not_migrated": Entry(
        "数据库 {where} 尚未建立表结构。请先运行：xinfang db upgrade",
        "The database {where} has no schema yet. Run: xinfang db upgrade",
    ),
    "db.outdated": Entry(
        "数据库 {where} 的表结构版本是 {found}，本程序需要 {known}。请先运行：xinfang db upgrade",
        "The database {where} has schema {found}; this program needs {known}. Run: xinfang db upgrade",
    ),
    "db.table_missing": Entry(
        "数据库 {where} 的表结构是本程序的版本，但缺少要用的表（可能被手工删除）。请从备份恢复：xinfang restore 备份文件",
        "The database {where} has this version's schema but lacks a table it needs (perhaps dropped by hand). "
        "Restore it from a backup: xinfang restore <archive>",
    ),
    "db.generation_missing": Entry(
        "数据库 {where} 缺少数据版本记录（data_generation 表中 id 为 1 的行，可能被手工删除），统计页面无法判断数据"
        "是否有变化。请联系维护人员补回该行并清空统计缓存。",
        "The database {where} lacks its data generation row (data_generation id 1, perhaps deleted by hand); "
        "the dashboard cannot tell whether data changed. Ask the maintainer to restore it and clear the cache.",
    ),
    "db.not_a_database": Entry(
        "文件 {where} 不是有效的 SQLite 数据库（可能已损坏）。请检查文件或从备份恢复。",
        "The file {where} is not a valid SQLite database (maybe corrupt). Check it or restore a backup.",
    ),
    # -- reference data ---------------------------------------------------------------------------
    "data.file_missing": Entry(
        "找不到数据文件「{file}」。请确认安装完整。",
        "Data file {file!r} is missing. Check the installation.",
    ),
    "data.file_invalid": Entry(
        "「{file}」第 {line} 行：{problem}。请{fix}。",
        "{file!r} line {line}: {problem_en}.",
    ),
    # -- domain -----------------------------------------------------------------------------------
    "case.unknown_unit": Entry(
        "找不到单位「{unit}」。请从单位列表中选择。",
        "Unknown unit {unit!r}.",
    ),
    "case.bad_value": Entry(
        "「{field}」的值「{value}」无效：{problem}。",
        "Invalid value {value!r} for {field}: {problem_en}.",
    ),
    "case.identity_for_anonymous": Entry(
        "匿名反映不能填写姓名、工号或电话。如需留下身份，请选择「实名」或「保密」。",
        "An anonymous petition cannot carry a name, staff number or phone. Choose 实名 or 保密 instead.",
    ),
    "case.identity_missing": Entry(
        "{mode}反映需要填写反映人姓名。",
        "A {mode} petition needs the petitioner's name.",
    ),
    # -- text analysis: vocabulary files (taxonomy, sentiment lexicon, mining dictionary) ----------
    "vocab.yaml_syntax": Entry(
        "「{file}」第 {line} 行：YAML 格式有误（{detail}）。请检查该行和上一行的缩进、冒号、引号和括号。",
        "{file!r} line {line}: YAML syntax error ({detail}). Check indentation, colons, quotes and brackets.",
    ),
    "vocab.missing_key": Entry(
        "「{file}」第 {line} 行：缺少「{key}」项。请补上该项。",
        "{file!r} line {line}: the key {key!r} is missing. Add it.",
    ),
    "vocab.unknown_key": Entry(
        "「{file}」第 {line} 行：不认识的项「{key}」。请改正拼写或删除该项；可用的项：{known}。",
        "{file!r} line {line}: unknown key {key!r}. Fix the spelling or remove it; known keys: {known}.",
    ),
    "vocab.wrong_type": Entry(
        "「{file}」第 {line} 行「{key}」：应为{expected}，这里是{found}。请改成{expected}。",
        "{file!r} line {line}, {key!r}: expected {expected_en}, found {found_en}.",
    ),
    "vocab.duplicate": Entry(
        "「{file}」第 {line} 行：「{value}」与第 {other_line} 行重复。请删除其中一处。",
        "{file!r} line {line}: {value!r} repeats line {other_line}. Remove one of them.",
    ),
    "vocab.bad_code": Entry(
        "「{file}」第 {line} 行：类别代码「{value}」不合规，应为大写字母 C 加两到三位数字（如 C15）。请改正。",
        "{file!r} line {line}: topic code {value!r} is malformed; use C plus two or three digits (e.g. C15).",
    ),
    "vocab.word_too_short": Entry(
        "「{file}」第 {line} 行：词语「{value}」太短（少于 {min_len} 个字），会匹配到大量无关文字。请改用更长的词语。",
        "{file!r} line {line}: the word {value!r} is shorter than {min_len} characters and would match too much.",
    ),
    "vocab.empty_word": Entry(
        "「{file}」第 {line} 行：词语为空。请填写词语或删除该项。",
        "{file!r} line {line}: empty word. Fill it in or remove the item.",
    ),
    "vocab.bad_slot": Entry(
        "「{file}」第 {line} 行：词语「{value}」里的占位符「{slot}」没有定义。请改正；可用的占位符：{known}。",
        "{file!r} line {line}: the word {value!r} uses the undefined slot {slot!r}; known slots: {known}.",
    ),
    "vocab.bad_number": Entry(
        "「{file}」第 {line} 行「{key}」：「{value}」不是有效的数值。请填写 {lo} 到 {hi} 之间的数。",
        "{file!r} line {line}, {key!r}: {value!r} is not a number from {lo} to {hi}.",
    ),
    "vocab.bad_character": Entry(
        "「{file}」第 {line} 行：词语「{value}」含有标点或空格「{char}」，分句时会被切开，无法匹配。请去掉标点或拆成两个词。",
        "{file!r} line {line}: the word {value!r} contains the punctuation or space {char!r}, which splits "
        "clauses; remove it or make two words.",
    ),
    "vocab.dict_line": Entry(
        "「{file}」第 {line} 行：「{value}」格式不对。请写成「词语 词频 词性」（以空格分隔，词频为正整数，词频和词性可省略）。",
        "{file!r} line {line}: {value!r} is malformed; write 'word [frequency] [tag]' separated by spaces.",
    ),
    # -- text analysis: inputs and models ---------------------------------------------------------
    "text.not_text": Entry(
        "第 {row} 条的内容是{kind}，不是文字，无法分析。请传入文字（数字和空值也可以）。",
        "Item {row} is a {kind}, not text, and cannot be analysed. Pass text, a number or an empty value.",
    ),
    "text.no_column": Entry(
        "表格里没有「{column}」列（现有的列：{known}）。请用 {argument}= 指明所用的列。",
        "The table has no column {column!r} (columns: {known}). Name the column with {argument}=.",
    ),
    "text.bad_label": Entry(
        "第 {row} 条的标注「{value}」无效：应为 {known} 之一。请改正标注。",
        "Item {row} has the invalid label {value!r}: expected one of {known}.",
    ),
    "text.too_few_cases": Entry(
        "已标注的事项只有 {n} 件，训练{what}至少需要 {need} 件（且至少两个类别）。请继续标注，够数后再训练。",
        "Only {n} labelled cases; training the {what_en} needs at least {need} (and at least two classes).",
    ),
    "text.theme_needs_name": Entry(
        "新类别需要一个名称。请用 name= 给出名称（如「通勤与交通」），或用 code= 指明要并入的已有类别。",
        "A new topic needs a name: pass name=, or code= to add the words to an existing topic.",
    ),
    "text.no_words": Entry(
        "已标注的 {n} 件事项里没有可用来训练{what}的文字（都是空白、数字或标点）。请标注有文字内容的事项后再训练。",
        "None of the {n} labelled cases has words to train the {what_en} on (only blanks, digits or punctuation).",
    ),
    "text.not_fitted": Entry(
        "{what}还没有训练。请先用已标注的事项调用 fit()。",
        "The {what_en} has not been trained yet. Call fit() with labelled cases first.",
    ),
    "text.unknown_topic": Entry(
        "主题代码「{topic}」不在分类表「{file}」中。请先在分类表里添加该类别，或改用已有代码：{known}。",
        "Topic code {topic!r} is not in the taxonomy {file!r}. Known codes: {known}.",
    ),
    # -- privacy ----------------------------------------------------------------------------------
    "privacy.not_numeric": Entry(
        "统计表「{column}」列第 {row} 行的值「{value}」不是人数，无法做小样本遮蔽。请传入未遮蔽的数值表。",
        "Cell ({row}, {column}) holds {value!r}, not a count; pass the unsuppressed numeric table.",
    ),
    "privacy.shape_mismatch": Entry(
        "人数表与统计表的行列不一致（统计表 {table_shape}，人数表 {counts_shape}）。请传入同样行列的人数表。",
        "The counts table {counts_shape} does not match the table {table_shape}.",
    ),
    # -- forms: definitions (XLSForm workbooks in survey_forms/) ----------------------------------
    "form.storage_busy": Entry(
        "系统暂时忙（数据库正在被占用或重启），这次没有提交成功。您填写的内容都还在，请稍等片刻再按一次「提交」。",
        "The system is busy (the database is locked or restarting); nothing was submitted. Your answers are "
        "kept: press Submit again in a moment.",
    ),
    "form.file_missing": Entry(
        "找不到表单文件「{file}」。请确认文件名和所在文件夹。",
        "Form file {file!r} not found.",
    ),
    "form.unreadable": Entry(
        "「{file}」无法作为 XLSForm 读取（{detail}）。请用 Excel 打开检查，另存为 .xlsx 后重试。",
        "{file!r} cannot be read as an XLSForm ({detail}). Open it in Excel and save it as .xlsx.",
    ),
    "form.xlsform": Entry(
        "「{file}」{sheet} 表第 {row} 行「{column}」列：{problem}。请对照 XLSForm 规范改正。",
        "{file!r} sheet {sheet} row {row} column {column}: {problem}.",
    ),
    "form.unknown_type": Entry(
        "「{file}」survey 表第 {row} 行「{column}」列：不认识的题型「{value}」。请改用以下题型之一：{known}。",
        "{file!r} sheet survey row {row} column {column}: unknown question type {value!r}; use one of {known}.",
    ),
    "form.bad_expression": Entry(
        "「{file}」survey 表第 {row} 行「{column}」列：表达式「{expr}」无法解析（{detail}）。请改正表达式。",
        "{file!r} sheet survey row {row} column {column}: the expression {expr!r} does not parse ({detail}).",
    ),
    "form.unknown_reference": Entry(
        "「{file}」survey 表第 {row} 行「{column}」列：引用了不存在的题目「${{{name}}}」。请改成本表单中已有题目的名称。",
        "{file!r} sheet survey row {row} column {column}: ${{{name}}} refers to no question in this form.",
    ),
    "form.missing_choices": Entry(
        "「{file}」survey 表第 {row} 行「{column}」列：选项列表「{list}」在 choices 表中不存在。"
        "请在 choices 表中添加该列表，或改正列表名。",
        "{file!r} sheet survey row {row} column {column}: choice list {list!r} is not on the choices sheet.",
    ),
    "form.unknown_source": Entry(
        "「{file}」survey 表第 {row} 行「{column}」列：没有名为「{source}」的数据来源。"
        "请在 select_one_from_file 后面改写以下之一：{known}。",
        "{file!r} sheet survey row {row} column {column}: there is no data source {source!r}; use one of {known}.",
    ),
    "form.duplicate_name": Entry(
        "「{file}」{sheet} 表第 {row} 行「{column}」列：名称「{name}」与第 {other_row} 行重复。请改用不重复的名称。",
        "{file!r} sheet {sheet} row {row} column {column}: the name {name!r} repeats row {other_row}.",
    ),
    "form.missing_name": Entry(
        "「{file}」survey 表第 {row} 行「{column}」列：缺少题目名称。请填写英文字母开头的名称（如 pay）。",
        "{file!r} sheet survey row {row} column {column}: the question has no name.",
    ),
    "form.unknown_target": Entry(
        "「{file}」{sheet} 表第 {row} 行「{column}」列：写入目标「{value}」不存在。请改用以下之一：{known}。",
        "{file!r} sheet {sheet} row {row} column {column}: unknown target {value!r}; use one of {known}.",
    ),
    "form.target_not_allowed": Entry(
        "「{file}」survey 表第 {row} 行「{column}」列：{problem}。请{fix}。",
        "{file!r} sheet survey row {row} column {column}: {problem}.",
    ),
    "form.target_missing": Entry(
        "「{file}」settings 表第 {row} 行「{column}」列：记录类型「{record}」需要有题目写入「{targets}」。"
        "请在 survey 表的 xf_field 列为相应题目填写这些写入目标。",
        "{file!r} sheet settings row {row} column {column}: record {record!r} needs questions mapped to {targets}.",
    ),
    "form.bad_setting": Entry(
        "「{file}」settings 表第 {row} 行「{column}」列：{problem}。请{fix}。",
        "{file!r} sheet settings row {row} column {column}: {problem}.",
    ),
    "form.choice_not_allowed": Entry(
        "「{file}」choices 表第 {row} 行「{column}」列：选项「{value}」不能写入「{target}」（可用的值：{known}）。"
        "请把选项名称改为可用的值之一。",
        "{file!r} sheet choices row {row} column {column}: {value!r} is not a valid value for {target}; "
        "use one of {known}.",
    ),
    "form.version_unchanged": Entry(
        "「{file}」settings 表第 {row} 行「{column}」列：表单内容已改动，但版本号「{version}」与已收过答卷的版本相同。"
        "请把版本号改为新的值（如 {suggest}），旧答卷会保留原来的版本。",
        "{file!r} sheet settings row {row} column {column}: the form changed but its version {version!r} did "
        "not; set a new version (e.g. {suggest}).",
    ),
    "form.bad_instance": Entry(
        "表单编号「{value}」无效，请刷新页面后重新填写。",
        "Invalid instance ID {value!r}; reload the page.",
    ),
    "form.bad_default": Entry(
        "「{file}」survey 表第 {row} 行「{column}」列：默认值「{value}」不合适（{detail}）。请改成该题允许的值，或清空。",
        "{file!r} sheet survey row {row} column {column}: the default {value!r} is not allowed ({detail}).",
    ),
    "form.unknown_form": Entry(
        "没有名为「{key}」的表单。可用的表单：{known}。",
        "There is no form called {key!r}. Known forms: {known}.",
    ),
    # -- forms: answers at submit -----------------------------------------------------------------
    "form.rejected": Entry(
        "提交未成功，请改正以下 {n} 处后再提交：{problems}",
        "Not submitted; fix these {n} problems first: {problems}",
    ),
    "form.required": Entry("「{label}」：{detail}", "{label}: {detail}"),
    "form.constraint": Entry("「{label}」：{detail}", "{label}: {detail}"),
    "form.bad_type": Entry(
        "「{label}」：应填写{expected}，这里是「{value}」",
        "{label}: expected {expected_en}, got {value!r}",
    ),
    "form.bad_choice": Entry(
        "「{label}」：「{value}」不是可选的选项",
        "{label}: {value!r} is not one of the choices",
    ),
    "form.out_of_range": Entry(
        "「{label}」：数值 {value} 超出允许范围（{lo} 到 {hi}）",
        "{label}: {value} is out of range ({lo} to {hi})",
    ),
    "form.too_long": Entry(
        "「{label}」：内容有 {n} 个字，超过上限 {limit} 个字，请删减",
        "{label}: {n} characters, more than the limit of {limit}",
    ),
    "form.control_chars": Entry(
        "「{label}」：含有不可见的控制字符，请删除后重新输入",
        "{label}: contains invisible control characters",
    ),
    "form.unknown_question": Entry(
        "「{name}」不是本表单的题目（表单可能已更新），请刷新页面后重新填写",
        "{name!r} is not a question of this form (it may have changed); reload the page",
    ),
    "form.record_invalid": Entry(
        "「{label}」：{detail}",
        "{label}: {detail}",
    ),
    "form.repeat_item": Entry(
        "{repeat}第 {index} 条：{detail}",
        "{repeat} item {index}: {detail}",
    ),
    "case.not_found": Entry("找不到信访事项 {case}。", "No case {case}."),
    "ledger.choose_risk": Entry("请先在「台账编号」里选择要更新的一项。", "Choose a risk ledger item first."),
    "ledger.risk_not_found": Entry("不稳定因素排查台账里没有编号 {risk}。", "No risk ledger item {risk}."),
    "ledger.note_required": Entry("请填写「进展情况」：做了什么、结果如何。", "Write what was done (进展情况)."),
    "ledger.deadline_before": Entry("新的化解期限 {on} 早于{what}（{ref}），请核对日期。",
                                    "The new deadline {on} is before {what} ({ref})."),
    "ledger.plan_not_found": Entry("一人一策里没有编号 {plan}。", "No follow-up plan {plan}."),
    "case.action_not_allowed": Entry(
        "事项 {case_no} 当前状态为「{status}」，不能「{action}」。现在可以：{allowed}。",
        "Case {case_no} is {status}: {action} is not allowed now. Allowed: {allowed}.",
    ),
    "case.missing_detail": Entry("「{action}」需要填写{field}。", "{action} needs {field}."),
    "case.date_before": Entry(
        "{action}日期 {on} 早于{what}（{ref}）。请核对日期。",
        "The {action} date {on} is before the {what} ({ref}).",
    ),
    "case.window_passed": Entry(
        "{action}应在收到答复（{ref}）后 {days} 日内提出，截止 {deadline}；{on} 已超过期限（《信访工作条例》{article}）。",
        "{action} must be requested within {days} days of the reply of {ref} (by {deadline}); {on} is too late.",
    ),
    "case.extension_too_long": Entry(
        "延期天数应为 1 到 {max} 日（《信访工作条例》第三十四条），填写的是「{days}」。",
        "An extension must be 1 to {max} days; got {days!r}.",
    ),
    "lookup.bad_code": Entry(
        "查询码应为 12 位字母和数字（如 ABCD-EFGH-JKMN）。请核对后重新输入。",
        "A query code has 12 letters and digits (e.g. ABCD-EFGH-JKMN).",
    ),
    "lookup.not_found": Entry(
        "没有找到这个查询码对应的事项。请核对查询码（不区分大小写，可省略短横线）。",
        "No case has this query code. Check the code.",
    ),
    "lookup.throttled": Entry(
        "查询过于频繁，请一分钟后再试。",
        "Too many lookups; try again in a minute.",
    ),
    "vault.reason_required": Entry(
        "查看信访人身份须写明查看人和理由（将记入审计日志）。",
        "Reading a petitioner's identity needs who and why (it is audit-logged).",
    ),
    "case.no_reply_yet": Entry(
        "事项 {case_no} 还没有答复，不能生成处理意见书。请先办理「答复」。",
        "Case {case_no} has no reply yet: no decision letter can be drafted.",
    ),
    # -- dashboards, questionnaire statistics, reports, exports ---------------------------------------
    "survey.too_few": Entry(
        "人数不足：所选范围内的答卷人少于 {k} 人，为保护答卷人不显示结果。请放宽筛选条件（如选择更长的期间或上一级单位）。",
        "Too few respondents: fewer than {k} in the selection; no results are shown. Widen the filters.",
    ),
    "survey.unknown_item": Entry(
        "问卷里没有题目「{item}」。可用的题目：{known}。",
        "The questionnaire has no item {item!r}. Known items: {known}.",
    ),
    "dashboard.unknown_choice": Entry(
        "筛选条件「{field}」的值「{value}」不在可选范围内。请从列表中选择。",
        "Filter {field}: {value!r} is not one of the choices.",
    ),
    "dashboard.meeting_no_cases": Entry(
        "会议视图只显示汇总数字，不显示事项清单和原文。请在办公视图中查看。",
        "The meeting view shows aggregates only; open the office view to see cases.",
    ),
    "chart.no_kaleido": Entry(
        "本机未安装 kaleido，无法把图表保存为图片。请让管理员安装 kaleido（并确认系统有 chromium 浏览器），或改为导出表格。",
        "kaleido is not installed: charts cannot be saved as images. Install kaleido (with a system chromium).",
    ),
    "chart.image_failed": Entry(
        "图表转为图片失败（{detail}）。请确认系统已安装 chromium 浏览器和中文字体（fonts-noto-cjk）。",
        "Rendering the chart as an image failed ({detail}). Check chromium and the CJK fonts.",
    ),
    "report.unknown_branch": Entry(
        "找不到党支部「{branch}」。可用的党支部：{known}。",
        "Unknown party branch {branch!r}. Known branches: {known}.",
    ),
    "report.not_found": Entry("找不到编号为 {report} 的研判分析报告。", "No report {report}."),
    "report.exists": Entry(
        "{branch}{period}的研判分析报告已经{status}，不能重新起草。如需修改，请联系信访办退回。",
        "The report of {branch} for {period} is already {status}; it cannot be redrafted.",
    ),
    "report.not_editable": Entry(
        "报告当前状态为「{status}」，不能{action}。{hint}",
        "The report is {status}: cannot {action}.",
    ),
    "report.section_required": Entry(
        "「{section}」部分还没有填写，请填写后再提交。",
        "The section {section} is empty; fill it in before submitting.",
    ),
    "report.unknown_section": Entry(
        "报告没有「{section}」部分。可编辑的部分：{known}。",
        "The report has no section {section!r}. Editable sections: {known}.",
    ),
    "export.bad_format": Entry(
        "不支持导出为「{value}」格式。请选择 {known} 之一。",
        "Cannot export as {value!r}; use one of {known}.",
    ),
    "export.csv_one_form": Entry(
        "CSV 文件只能放一张表单的答卷，现在选了 {count} 张（{forms}）。请只选一张表单，或导出为 .xlsx（每张表单一个工作表）。",
        "A CSV file holds one form's submissions; {count} were chosen ({forms}). Choose one, or export .xlsx.",
    ),
    "export.unknown_form": Entry(
        "没有表单「{form}」。可以导出的表单：{known}。",
        "No form {form!r}. Forms that can be exported: {known}.",
    ),
    "export.identity_not_allowed": Entry(
        "「{role}」角色不能导出身份信息（姓名、工号、电话）。只有 {allowed} 可以导出，且须写明理由。",
        "Role {role!r} may not export identity fields; only {allowed} may, with a reason.",
    ),
    "export.unknown_user": Entry(
        "没有可用的用户「{user}」。导出身份信息须用 --user 写明本人的用户名（由主任用 xinfang user 命令建立）。",
        "No active user {user!r}; exporting identity needs --user with your user name.",
    ),
    "export.identity_reason": Entry(
        "导出身份信息（姓名、工号、电话）须写明导出人和理由，会记入审计日志。",
        "Exporting identity fields needs the user and a reason; both are audit-logged.",
    ),
    # -- imports (问卷星, Kobo/ODK, legacy ledgers) --------------------------------------------------
    "import.unknown_kind": Entry(
        "不认识的导入类型「{kind}」。请使用以下之一：{known}。",
        "Unknown import kind {kind!r}; use one of {known}.",
    ),
    "import.file_missing": Entry(
        "找不到要导入的文件「{file}」。请确认文件名和所在文件夹。",
        "The file to import, {file!r}, was not found.",
    ),
    "import.bad_file_type": Entry(
        "「{file}」不能导入：{problem}。请{fix}。",
        "{file!r} cannot be imported: {problem_en}.",
    ),
    "import.unreadable": Entry(
        "「{file}」无法读取（{detail}）。请用 Excel 打开检查，另存为 .xlsx 或 .csv 后重试。",
        "{file!r} cannot be read ({detail}). Open it in Excel and save it as .xlsx or .csv.",
    ),
    "import.empty": Entry(
        "「{file}」没有可导入的内容：{problem}。请确认选择了正确的文件和工作表。",
        "{file!r} has nothing to import: {problem_en}.",
    ),
    "import.needs_form": Entry(
        "导入{what}需要指明表单。请选择 survey_forms 中的表单之一：{known}。",
        "Importing {what_en} needs a form; choose one of {known}.",
    ),
    "import.missing_column": Entry(
        "「{file}」{sheet} 表第 {row} 行「{column}」列：找不到这一列（{problem}）。请{fix}。",
        "{file!r} sheet {sheet} row {row}: column {column!r} not found ({problem_en}).",
    ),
    "import.mapping": Entry(
        "映射文件「{file}」第 {line} 行：{problem}。请{fix}。",
        "Mapping file {file!r} line {line}: {problem_en}.",
    ),
    "import.cell": Entry(
        "「{file}」{sheet} 表第 {row} 行「{column}」列：{problem}。请{fix}。",
        "{file!r} sheet {sheet} row {row} column {column!r}: {problem_en}.",
    ),
    "import.row": Entry(
        "「{file}」{sheet} 表第 {row} 行：{problem}。请{fix}。",
        "{file!r} sheet {sheet} row {row}: {problem_en}.",
    ),
    # -- sign-in, users and roles (office server) --------------------------------------------------
    "auth.bad_credentials": Entry(
        "用户名或密码不正确，请重新输入。忘记密码请联系信访办主任重设。",
        "Wrong user name or password.",
    ),
    "auth.throttled": Entry(
        "该账号登录失败次数过多，请 {minutes} 分钟后再试。",
        "Too many failed sign-ins for this account; try again in {minutes} minutes.",
    ),
    "auth.session_ended": Entry(
        "登录已过期或已退出。请重新登录后再操作（刷新本页即可转到登录页）。",
        "Your sign-in has expired or ended. Sign in again (reload the page).",
    ),
    "auth.not_allowed": Entry(
        "「{role}」角色不能打开此页面。请从首页选择您可以使用的功能。",
        "Role {role!r} may not open this page.",
    ),
    "auth.no_branch": Entry(
        "账号「{user}」是支部书记，但没有指定所在党支部。请主任用 xinfang user add 重新建立该账号并写明 --branch。",
        "User {user!r} is a branch secretary without a branch.",
    ),
    "user.exists": Entry(
        "用户名「{user}」已存在。请换一个用户名，或用 xinfang user passwd 重设其密码。",
        "User name {user!r} is taken.",
    ),
    "user.not_found": Entry(
        "没有用户名为「{user}」的账号。可用 xinfang user list 查看全部账号。",
        "No user {user!r}; see xinfang user list.",
    ),
    "user.bad_username": Entry(
        "用户名「{user}」不可用：只能用 2 到 30 个英文字母、数字、点、横线或下划线。",
        "User name {user!r} must be 2–30 letters, digits, '.', '-' or '_'.",
    ),
    "user.bad_role": Entry(
        "角色「{role}」不存在。请使用以下之一：{known}。",
        "Unknown role {role!r}; use one of {known}.",
    ),
    "user.branch_required": Entry(
        "支部书记账号须用 --branch 写明所在党支部。可选：{known}。",
        "A branch secretary needs --branch; one of {known}.",
    ),
    "user.branch_not_allowed": Entry(
        "只有支部书记账号属于某个党支部；「{role}」角色看全矿数据，请去掉 --branch。",
        "Only branch secretaries have a branch; drop --branch for role {role!r}.",
    ),
    "user.unknown_branch": Entry(
        "找不到党支部「{branch}」。可选：{known}。",
        "No branch {branch!r}; one of {known}.",
    ),
    "user.weak_password": Entry(
        "密码太短或太简单：至少 {min} 个字符，且不能与用户名相同。",
        "Password too weak: at least {min} characters and not the user name.",
    ),
    "user.password_mismatch": Entry(
        "两次输入的密码不一致，未作修改。请重新运行命令。",
        "The two passwords differ; nothing changed.",
    ),
    # -- the identity vault's key --------------------------------------------------------------------
    "vault.key_missing": Entry(
        "找不到身份库密钥文件 {path}。数据库里的姓名、工号、电话用它加密，没有它无法读取。"
        "请从备份恢复该文件，或用环境变量 XINFANG_VAULT_KEY_FILE 指向它。",
        "The vault key file {path} is missing; identity data cannot be read without it. Restore it from "
        "backup or point XINFANG_VAULT_KEY_FILE at it.",
    ),
    "vault.key_mismatch": Entry(
        "身份库密钥文件 {path} 与数据库不符：这条身份信息由密钥 {key_id} 加密，文件里没有这把密钥。"
        "请用加密时的密钥文件（XINFANG_VAULT_KEY_FILE）。",
        "The vault key file {path} does not match the database: a value was encrypted with key {key_id}, "
        "which the file does not hold.",
    ),
    "vault.key_invalid": Entry(
        "身份库密钥文件 {path} 第 {line} 行不是有效的密钥。请从备份恢复该文件，不要手工修改。",
        "Line {line} of the vault key file {path} is not a valid key; restore the file from backup.",
    ),
    "vault.value_unreadable": Entry(
        "身份库中有一条信息无法解密（已损坏或被改动）。请从备份恢复数据库。",
        "A vault value cannot be decrypted (damaged or altered); restore the database from backup.",
    ),
    "vault.value_not_encrypted": Entry(
        "身份库中有未加密的信息。请先运行 xinfang db upgrade 完成加密。",
        "The vault holds unencrypted values; run xinfang db upgrade.",
    ),
    # -- command line -----------------------------------------------------------------------------
    "cli.demo_not_empty": Entry(
        "数据库 {where} 里已有 {cases} 件信访事项，未生成演示数据。如要重建，请加 --replace。",
        "The database {where} already holds {cases} cases; no demo data written. Use --replace to rebuild.",
    ),
    "cli.bad_period": Entry(
        "期间「{value}」无法识别。请写成 2026Q3（季度）、2026-10（月）或 2026（年）。",
        "Unknown period {value!r}: use 2026Q3, 2026-10 or 2026.",
    ),
    "cli.port_busy": Entry(
        "端口 {port} 已被占用。请用 --{which}-port 指定其他端口，或关闭占用它的程序。",
        "Port {port} is already in use. Choose another with --{which}-port.",
    ),
    # -- backup and restore -----------------------------------------------------------------------
    "backup.not_found": Entry(
        "找不到备份文件「{file}」。请确认文件名和所在文件夹。",
        "Backup file {file!r} not found.",
    ),
    "backup.unreadable": Entry(
        "「{file}」不是完整的备份文件（{detail}）：可能只复制了一部分或已经损坏。未做任何恢复，现有数据库没有改动。"
        "请换用另一份备份。",
        "{file!r} is not a complete backup ({detail}): partly copied or corrupt. Nothing was restored.",
    ),
    "backup.not_a_backup": Entry(
        "「{file}」不是信访工作簿的备份文件（{detail}）。未做任何恢复，现有数据库没有改动。"
        "请选择 xinfang backup 生成的 .tar.gz 文件。",
        "{file!r} is not a xinfang backup ({detail}). Nothing was restored.",
    ),
    "backup.checksum": Entry(
        "备份「{file}」已损坏：其中的 {member} 与备份时记录的校验值（SHA-256）不符。未做任何恢复，现有数据库没有改动。"
        "请换用另一份备份。",
        "Backup {file!r} is corrupt: {member} does not match its recorded SHA-256. Nothing was restored.",
    ),
    "backup.format_too_new": Entry(
        "备份「{file}」的格式（第 {found} 版）比本程序认识的（第 {known} 版）新。未做任何恢复。请先升级本程序。",
        "Backup {file!r} has format version {found}; this program knows up to {known}. Nothing was restored.",
    ),
    "backup.schema_too_new": Entry(
        "备份「{file}」来自更新版本的信访工作簿（结构版本 {found}），本程序只认识到 {known}。"
        "未做任何恢复，现有数据库没有改动。请先升级本程序，再用新程序恢复。",
        "Backup {file!r} comes from a newer version (schema {found}); this program knows up to {known}. "
        "Nothing was restored: upgrade the program first.",
    ),
    "backup.target_too_new": Entry(
        "当前数据库 {where} 已由更新版本的信访工作簿升级（结构版本 {found}），本程序只认识到 {known}。"
        "为免丢失数据，未做恢复，现有数据库没有改动。请用新版本的程序恢复。",
        "The current database {where} was upgraded by a newer version (schema {found}); this program knows up "
        "to {known}. Nothing was restored: restore with the newer program.",
    ),
    "backup.backend_mismatch": Entry(
        "备份「{file}」是 {found} 数据库的备份，而当前数据库 {where} 是 {target}。未做任何恢复。"
        "请把 XINFANG_DB_URL 指向一个 {found} 数据库后再恢复。",
        "Backup {file!r} is of a {found} database but {where} is {target}. Nothing was restored.",
    ),
    "backup.pg_schema_conflict": Entry(
        "备份来自 PostgreSQL 的 schema「{found}」，当前数据库使用 schema「{target}」，而「{found}」在这个数据库里已经存在。"
        "未做任何恢复。请把 XINFANG_DB_URL 的 search_path 设为「{found}」，或恢复到另一个数据库。",
        "The backup holds schema {found!r}; the target uses {target!r} and {found!r} already exists there. "
        "Nothing was restored.",
    ),
    "backup.verify_failed": Entry(
        "恢复出的数据库没有通过核对（{detail}）。现有数据库没有改动。请换用另一份备份。",
        "The restored database failed verification ({detail}). The current database is unchanged.",
    ),
    "backup.no_database": Entry(
        "数据库 {where} 不是一个文件，无法备份。请把 XINFANG_DB_URL 指向数据库文件或 PostgreSQL 数据库。",
        "The database {where} is not a file and cannot be backed up.",
    ),
    "backup.tool_missing": Entry(
        "找不到 PostgreSQL 工具 {tool}。请安装与数据库服务器同版本或更新的 postgresql-client"
        "（如 apt-get install postgresql-client）。",
        "The PostgreSQL tool {tool} is missing. Install postgresql-client (same or newer major version than "
        "the server).",
    ),
    "backup.tool_failed": Entry(
        "{tool} 运行失败：{detail}。现有数据库没有改动。若提示版本不符，请安装与服务器同版本或更新的 postgresql-client。",
        "{tool} failed: {detail}. The current database is unchanged.",
    ),
    "backup.dest_exists": Entry(
        "文件「{file}」已存在，未覆盖。请换一个文件名或文件夹。",
        "{file!r} already exists and was not overwritten.",
    ),
    "backup.key_with_backup": Entry(
        "身份库密钥不能和数据库备份放在同一个文件夹（{folder}）：两者都丢失或被拿走时，身份信息就暴露了。"
        "请用 --key-to 指定另一个介质上的位置（如另一个 U 盘）。",
        "The vault key must not sit in the backup's folder ({folder}); give --key-to a place on another medium.",
    ),
    "backup.key_not_found": Entry(
        "找不到密钥文件「{file}」。请确认 --key-from 给出的路径。未做任何恢复。",
        "Key file {file!r} not found. Nothing was restored.",
    ),
    "backup.key_conflict": Entry(
        "密钥文件「{file}」已存在，且与{other}不同，未覆盖。未做任何恢复。请确认要用哪一个密钥，"
        "必要时先把现有的密钥文件移走（不要删除，旧数据可能还需要它）。",
        "Key file {file!r} exists and differs from {other}; not overwritten. Nothing was restored.",
    ),
    # -- offline install bundle -------------------------------------------------------------------
    "bundle.wrong_python": Entry(
        "这个安装包是为 Python {wanted}（{wanted_platform}）制作的，本机用的是 Python {found}（{found_platform}，"
        "{executable}）。安装包里的程序包只能装在 Python {wanted} 上，未安装任何东西。请在本机安装 Python {wanted}"
        "（或设 PYTHON=它的路径后重试），或在联网电脑上用与本机相同版本的 Python 重新制作安装包（xinfang bundle）。",
        "This bundle was made for Python {wanted} ({wanted_platform}); this machine runs Python {found} "
        "({found_platform}, {executable}). Nothing was installed. Install Python {wanted} or rebuild the bundle "
        "with this machine's Python version.",
    ),
    "bundle.damaged": Entry(
        "安装包不完整或已损坏：{file} {problem}。未安装任何东西。请重新复制安装包，并用随附的 .sha256 文件核对。",
        "The bundle is incomplete or corrupt: {file} {problem_en}. Nothing was installed. Copy it again.",
    ),
    "bundle.build_failed": Entry(
        "制作安装包失败：{step}（{detail}）。请确认这台电脑能访问 PyPI，然后重试。",
        "Building the bundle failed: {step} ({detail}). Check that this machine reaches PyPI.",
    ),
}

CATALOGUE = MappingProxyType(_CATALOGUE)


def message(code: str, lang: str = "zh", **params: object) -> str:
    """The catalogue text for ``code`` in ``lang`` ('zh' or 'en'), filled with ``params``."""
    entry = CATALOGUE[code]
    template = entry.zh if lang == "zh" else entry.en
    filled = {k: v for k, v in params.items()}
    # English variants may use *_en params; fall back to the Chinese value when absent.
    for key in list(filled):
        filled.setdefault(f"{key}_en", filled[key])
    return template.format(**filled)


class XinfangError(Exception):
    """An error a user can act on. ``str()`` gives the Chinese line, then the English one."""

    def __init__(self, code: str, **params: object) -> None:
        if code not in CATALOGUE:
            raise KeyError(f"unknown error code {code!r}")
        self.code = code
        self.params = params
        super().__init__(self.zh)

    @property
    def zh(self) -> str:
        return message(self.code, "zh", **self.params)

    @property
    def en(self) -> str:
        return message(self.code, "en", **self.params)

    def one_line(self) -> str:
        """Chinese and English on one line, for the command line."""
        return f"错误：{self.zh} / Error: {self.en}"

    def __str__(self) -> str:
        return self.zh


class ConfigError(XinfangError):
    """A setting has a bad value."""


class StorageError(XinfangError):
    """The database cannot be used as asked."""


class DataFileError(XinfangError):
    """A shipped or edited data file (taxonomy, lexicon, rules) has a mistake."""


class ValidationError(XinfangError):
    """A value given by a user breaks a rule."""


class FormDefinitionError(DataFileError):
    """A form workbook (XLSForm) has a mistake; the message names file, sheet, row and column."""


class FormAnswersError(ValidationError):
    """Answers cannot be submitted. ``problems`` lists (question name, repeat index or None, message)."""

    def __init__(self, problems: list[tuple[str, int | None, str]]) -> None:
        self.problems = problems
        super().__init__("form.rejected", n=len(problems), problems="；".join(p[2] for p in problems))
