"""Every user-facing string of the wellbeing package that is not instrument wording.

Kept as data in one module (Japanese first, English second) so that a reviewer — or a clinician
or HR lead checking the tone — can read all of them in one place. Instrument wording (WHO-5, K6,
job items) lives with the instruments in :mod:`wellbeing.instruments`, because it is part of the
instrument's definition.

Tone rules (see /work/shared/notes/domain.md, "Wording"): no diagnostic or stigmatising labels
("burnout", 「うつ」, 「燃え尽き」, 「病気」…) in anything a person sees about themselves; prefer
neutral, inviting wording such as 「少しお話ししませんか」. ``tests/wellbeing`` checks this.

``{item}`` in a reason text is replaced by the job item's short name.
"""

from __future__ import annotations

from dataclasses import dataclass

LANGUAGES = ("ja", "en")


@dataclass(frozen=True)
class Text:
    """A string in Japanese and English. ``text["ja"]`` and ``text.get("en")`` both work."""

    ja: str
    en: str

    def __post_init__(self) -> None:
        if not self.ja.strip() or not self.en.strip():
            raise ValueError("a Text needs both a Japanese and an English string")

    def __getitem__(self, lang: str) -> str:
        if lang not in LANGUAGES:
            raise KeyError(lang)
        return getattr(self, lang)

    def get(self, lang: str = "ja") -> str:
        """The string in ``lang`` (``"ja"`` or ``"en"``); Japanese for an unknown language."""
        return getattr(self, lang) if lang in LANGUAGES else self.ja

    def as_dict(self) -> dict[str, str]:
        return {"ja": self.ja, "en": self.en}

    def format(self, **kwargs: str) -> Text:
        return Text(self.ja.format(**kwargs), self.en.format(**kwargs))


# --- reasons (shown to HR with a flag, and to the person in their own history) -----------------
# Factual and neutral: they say what was answered, never what the person "is".

REASON_TEXTS: dict[str, Text] = {
    # urgent
    "k6_serious": Text(
        "K6（こころの状態）の合計が13点以上でした",
        "K6 (psychological distress) total was 13 or more",
    ),
    "who5_very_low": Text(
        "WHO-5（心の健康）の素点が7点以下でした",
        "WHO-5 (wellbeing) raw score was 7 or less",
    ),
    "harassment_threat": Text(
        "今週、顧客からの脅迫を受けたと回答がありました",
        "Reported a threat from a customer this week",
    ),
    "harassment_frequent": Text(
        "今週、カスタマーハラスメントを4回以上受けたと回答がありました",
        "Reported customer harassment 4 or more times this week",
    ),
    "one_on_one_requested": Text(
        "面談（1on1）の希望がありました",
        "Asked for a one-on-one",
    ),
    # watch
    "who5_low": Text(
        "WHO-5（心の健康）の素点が13点未満でした",
        "WHO-5 (wellbeing) raw score was below 13",
    ),
    "who5_item_low": Text(
        "WHO-5の項目に「ほんのたまに」または「まったくない」の回答がありました",
        "A WHO-5 item was answered 'some of the time' or 'at no time'",
    ),
    "k6_elevated": Text(
        "K6（こころの状態）の合計が10点以上でした",
        "K6 (psychological distress) total was 10 or more",
    ),
    "who5_drop": Text(
        "WHO-5がご本人のいつもの水準（直近4回の平均）より10ポイント以上低くなりました",
        "WHO-5 is 10 or more percentage points below the person's own baseline "
        "(mean of the previous 4 check-ins)",
    ),
    "job_item_worst": Text(
        "「{item}」が最も厳しい段階でした",
        "'{item}' was at the worst level",
    ),
    "job_item_drop": Text(
        "「{item}」が前回より2段階以上悪くなりました",
        "'{item}' worsened by 2 or more levels since the last check-in",
    ),
    "job_items_several_poor": Text(
        "仕事に関する項目のうち2つ以上が厳しい側の2段階でした",
        "Two or more job items were in the two worst levels",
    ),
    "roleplay_load": Text(
        "ハラスメント対応のロールプレイを週2回以上練習した週に、状態の悪化がみられました",
        "Signs of worsening in a week with 2 or more harassment role-plays practised",
    ),
}


# --- what the person reads right after submitting ----------------------------------------------
# Chosen by :func:`wellbeing.flags.feedback`. Never names a level or a score band.

RESULT_TEXTS: dict[str, Text] = {
    "none": Text(
        "回答ありがとうございました。今週もおつかれさまでした。"
        "この調子で、無理のないペースで過ごしてくださいね。",
        "Thank you for checking in. Well done this week — keep going at a pace that suits you.",
    ),
    "thanks": Text(
        "回答ありがとうございました。今週もおつかれさまでした。",
        "Thank you for checking in. Well done this week.",
    ),
    "watch": Text(
        "回答ありがとうございました。今週は少し負担が大きかったのかもしれませんね。"
        "下のセルフケアのヒントも、よかったら試してみてください。"
        "気になることがあれば、いつでも声をかけてください。",
        "Thank you for checking in. This week may have been a bit heavy. "
        "You might like to try the self-care tips below, and you can reach out any time.",
    ),
    "urgent": Text(
        "回答ありがとうございました。大変な中、正直に答えてくださってありがとうございます。"
        "ひとりで抱え込まずに、少しお話ししませんか。相談先をこのページに載せています。",
        "Thank you for checking in, and for answering honestly while things are hard. "
        "You don't have to carry this alone — shall we talk? "
        "The people you can contact are listed on this page.",
    ),
}

# Added after the main text when they apply (in this order).
RESULT_ADDENDA: dict[str, Text] = {
    "one_on_one_requested": Text(
        "面談のご希望を受け付けました。担当者から日程のご連絡をします。",
        "We have received your request for a one-on-one; someone will contact you to "
        "arrange a time.",
    ),
    "harassment_reported": Text(
        "つらい対応について教えてくださってありがとうございます。"
        "カスタマーハラスメントは、あなたのせいではありません。",
        "Thank you for telling us about the difficult calls. "
        "Customer harassment is not your fault.",
    ),
    "harassment_threat": Text(
        "脅迫を受けたときは、ひとりで対応を続けず、上長や相談窓口にすぐ共有してください。"
        "会社として対応します。",
        "If you are threatened, please don't keep handling it alone — tell your manager or "
        "the consultation desk right away. The company will act on it.",
    ),
}


# --- self-care tips -----------------------------------------------------------------------------
# Keyed by what they answer to; :func:`wellbeing.flags.feedback` picks the ones that fit.

TIPS: dict[str, Text] = {
    "general_break": Text(
        "通話と通話のあいだに、1分だけ立ち上がって深呼吸をしてみましょう。",
        "Between calls, stand up and take a few deep breaths for one minute.",
    ),
    "general_boundary": Text(
        "仕事の終わりには、パソコンを閉じる・部屋を出るなど「おしまいの合図」を決めておきましょう。",
        "Choose a small ritual to end the working day, such as closing the laptop or "
        "leaving the room.",
    ),
    "sleep": Text(
        "寝る前の1時間は画面から離れ、起きる時刻をそろえると眠りが整いやすくなります。",
        "Keeping screens away for the last hour before bed and getting up at the same time "
        "each day helps sleep settle.",
    ),
    "consult": Text(
        "困ったときは、チャットでひとこと「いま相談いいですか」と送るだけでも大丈夫です。",
        "When you're stuck, a one-line chat message — 'do you have a minute?' — is enough "
        "to start.",
    ),
    "workload": Text(
        "仕事量が多いと感じたら、優先順位を上長と一緒に確認してみましょう。",
        "If the workload feels heavy, go through priorities together with your manager.",
    ),
    "harassment": Text(
        "理不尽な要求を受けたら、日時と内容を記録し、決められた基準でエスカレーションしましょう。"
        "通話を終える判断も、あなたの大切な仕事です。",
        "When a demand crosses the line, note the time and what was said, and escalate by "
        "the agreed rules. Deciding to end a call is part of your job, too.",
    ),
    "roleplay_load": Text(
        "ハラスメント対応の練習が続いたときは、ペースを落として、穏やかな場面の練習も挟みましょう。",
        "After several harassment role-plays, slow down and mix in some calmer scenarios.",
    ),
    "mood": Text(
        "好きなこと・ほっとできることを、短い時間でも予定に入れてみましょう。",
        "Put something you enjoy or find soothing into your schedule, even briefly.",
    ),
}


# --- HR trends ----------------------------------------------------------------------------------

SUPPRESSION_NOTICES: dict[str, Text] = {
    # Both small-group and complementary suppression show the same notice on purpose: telling
    # which cell was hidden only to protect another would hint at the other cell's size.
    "small_group": Text("個人が特定されないよう非表示", "Hidden so that no one can be identified"),
    "complementary": Text("個人が特定されないよう非表示", "Hidden so that no one can be identified"),
    "week_open": Text("集計期間中のため非表示", "Hidden until the week has ended"),
}
