"""Urgency is decided at intake, from the kinds of harm and from the words, in every language.

A small labelled set of real sentences per language: the urgent ones must be flagged (with
and without diacritics, in any case) and the ordinary ones must not be, against every
language's list at once (as the rules check them).
"""

import pytest

from haven.intake import rules
from haven.intake.models import Channel, Harm
from haven.intake.tests.helpers import VALID
from haven.intake.urgency import URGENT_HARMS, is_urgent, normalize, urgent_words

URGENT = {
    "en": [
        "They will beat me tomorrow after school.",
        "I want to kill myself, nobody likes me",
        "A boy in 8C brought a KNIFE to class and showed it in the toilets",
        "My dad hits me when he is drunk",
        "he said he is going to stab me on the way home",
        "Someone raped my friend at the party",
        "I keep cutting myself at night",
    ],
    "ro": [
        "Vreau să mă omor.",
        "vreau sa ma omor",  # typed without diacritics
        "Mâine o să mă bată după ore, mi-au zis în pauză.",
        "Un coleg are un cuțit în ghiozdan.",
        "Tata mă bate când vine beat acasă.",
        "Profesorul de sport m-a atins și nu vreau să mai merg la oră.",
        "Mă gândesc la sinucidere.",
    ],
    "ru": [
        "Они сказали, что завтра меня изобьют.",
        "Я хочу умереть, мне никто не поможет",
        "У него в рюкзаке нож.",
        "Отец бьёт меня каждый вечер.",
        "Я думаю о самоубийстве.",
        "Он сказал, что убьёт меня.",
    ],
    "nl": [
        "Ze gaan me morgen in elkaar slaan.",
        "Ik wil dood, niemand merkt het.",
        "Een jongen had een mes bij zich in de kantine.",
        "Mijn vader slaat me als hij boos is.",
        "Ik denk aan zelfmoord.",
        "Hij heeft me betast in de kleedkamer.",
    ],
    "zh-hans": [
        "他们说明天放学后要打我。",
        "我不想活了。",
        "有个同学书包里有刀子。",
        "爸爸打我，我不敢回家。",
        "我想自杀。",
        "他说要弄死我。",
    ],
    "vi": [
        "Tôi muốn chết.",
        "toi muon chet",  # typed without tone marks
        "Bạn ấy mang dao đến trường.",
        "Bố đánh em mỗi tối.",
        "Họ nói ngày mai sẽ đánh em sau giờ học.",
        "Em đã nghĩ đến chuyện tự sát.",
    ],
    "kk": [
        "Ертең мені ұрады деді.",
        "Өзімді өлтіргім келеді.",
        "Сыныптасымның сөмкесінде пышақ бар.",
        "Әкем ұрады.",
        "Енді өмір сүргім келмейді.",
        "Ертең сабақтан кейін сені ұрып тастаймыз деді.",
        "Дене шынықтыру ағайы емес, басқа ағай мені ұрды.",
        "Ол мектепке мылтық әкелді.",
        "Бір жігіт денеме қол тигізді.",
    ],
}

ORDINARY = {
    "en": [
        "Two boys from 7B push me in the corridor every break.",
        "They call me names and laugh at my shoes.",
        "Someone posted a mean photo of me in the class group chat.",
        "My pencil case was taken and thrown in the bin.",
        "The girls leave me out of every game and whisper about me.",
        "We beat the other team at football and they were angry.",
        "He keeps kicking my chair in maths and the teacher does not see it.",
    ],
    "ro": [
        "Colegii râd de mine în pauză și îmi spun porecle.",
        "Mi-au luat penarul și l-au aruncat.",
        "Nu mă lasă să mă joc cu ei.",
        "Cineva a pus o poză urâtă cu mine pe grupul clasei.",
        "Mă bat joc de accentul meu.",
    ],
    "ru": [
        "Одноклассники смеются надо мной и обзывают.",
        "У меня отобрали пенал и выбросили его.",
        "Меня не берут играть на перемене.",
        "Кто-то выложил мое фото в общий чат и все смеялись.",
        "Мне дали ножницы, чтобы вырезать открытку.",
    ],
    "nl": [
        "Ze schelden me uit in de pauze.",
        "Mijn etui is afgepakt en in de prullenbak gegooid.",
        "Het meisje naast me wil nooit samenwerken.",
        "Iemand heeft een gemene foto van mij in de groepsapp gezet.",
        "De meester gaf ons een moeilijke toets.",
    ],
    "zh-hans": [
        "同学们在课间叫我外号。",
        "他们拿走了我的铅笔盒。",
        "没有人愿意和我一起玩。",
        "有人在班级群里发了我的丑照片。",
    ],
    "vi": [
        "Các bạn trêu chọc và đặt biệt danh cho em.",
        "Bạn ấy lấy hộp bút của em rồi vứt đi.",
        "Không ai chơi với em trong giờ ra chơi.",
        "Có người đăng ảnh xấu của em lên nhóm lớp.",
        "Em đi từ từ về nhà sau giờ học.",
    ],
    "kk": [
        "Сыныптастарым мені мазақ етеді.",
        "Қаламсабымды алып қойды.",
        "Ешкім менімен ойнағысы келмейді.",
        "Ағай маған жаман баға қойды.",
        "Сабақтан кейін футбол ойнап, үйге қайттық.",
    ],
}


@pytest.mark.parametrize(
    ("language", "sentence"),
    [(language, sentence) for language, items in URGENT.items() for sentence in items],
)
def test_urgent_sentences_are_flagged(language, sentence):
    assert urgent_words(sentence), f"{language}: {sentence}"


@pytest.mark.parametrize(
    ("language", "sentence"),
    [(language, sentence) for language, items in ORDINARY.items() for sentence in items],
)
def test_ordinary_sentences_are_not_flagged(language, sentence):
    assert not urgent_words(sentence), f"{language}: {sentence}"


def test_matching_ignores_case_and_diacritics():
    assert normalize("Să MĂ Omor, Đánh") == "sa ma omor, danh"
    assert urgent_words("VREAU SĂ MĂ OMOR") and urgent_words("vreau sa ma omor")


def test_a_phrase_allows_a_few_words_between_but_not_many():
    assert urgent_words("they will really beat me")
    assert not urgent_words("they will come to the match and we beat them")


def test_whole_words_are_not_matched_as_prefixes():
    assert urgent_words("hij had een mes")
    assert not urgent_words("het meisje was verdrietig")  # "mes$" is not the start of "meisje"


@pytest.mark.parametrize("harm", sorted(URGENT_HARMS))
def test_urgent_kinds_of_harm_make_a_report_urgent(harm):
    assert is_urgent([harm], "Something happened.")


def test_threats_and_weapons_are_urgent_kinds_but_name_calling_is_not():
    assert {Harm.THREATS, Harm.WEAPONS, Harm.SELF_HARM} <= URGENT_HARMS
    assert not is_urgent([Harm.VERBAL, Harm.EXCLUSION], "They call me names.")


def test_the_rule_function_decides_urgency_for_every_channel(tree):
    for channel in (Channel.WEB, Channel.API, Channel.CHAT_BOT):
        ordinary = rules.report_clean(VALID, school=tree.school_a, channel=channel)
        assert not ordinary.urgent
        worded = {**VALID, "description": "They will beat me tomorrow."}
        assert rules.report_clean(worded, school=tree.school_a, channel=channel).urgent
    by_kind = {**VALID, "harms": ["weapons"]}
    entered = rules.report_clean(by_kind, school=tree.school_a, channel=Channel.HOTLINE, staff=True)
    assert entered.urgent
