"""The reader's rules on small documents it has never seen (one phenomenon each)."""

from __future__ import annotations

from lxml import etree

from docs import NS, convert, export, speakers, xp
from tei_edition.convert import convert_text


def test_turns_and_surname_aliases() -> None:
    root, _ = convert(
        "Time: 10:30 a.m., 4 May 1960\n\nPlace: Zhongnanhai\n\n"
        "Chen Yi: Welcome.\n\nPak Il-u: Thank you.\n\nChen: Please sit down.\n\n"
        "It is cold today.\n\nPak: Yes.")
    assert [s for _, s in speakers(root)] == ["Chen Yi", "Pak Il-u", "Chen", "Pak"]
    whos = [w for w, _ in speakers(root)]
    assert whos[0] == whos[2] == "#chen-yi" and whos[1] == whos[3] == "#pak-ilu"
    # The unlabelled paragraph continues Chen's turn.
    assert len(xp(root, "//t:sp[3]/t:p")) == 2


def test_same_speaker_twice_in_a_row_gives_two_turns() -> None:
    root, _ = convert("Chen Yi: One.\n\nChen Yi: Two.\n\nPak Il-u: Three.")
    assert len(xp(root, "//t:sp")) == 3


def test_times_and_as_follows_are_not_speakers() -> None:
    root, _ = convert(
        "Chen Yi: We met at 10:30 and he said the following: nothing.\n\n"
        "Pak Il-u: The position is as follows: we agree.\n\nChen Yi: Good.")
    assert len(xp(root, "//t:sp")) == 3


def test_salutation_and_form_fields_are_not_speakers() -> None:
    root, _ = convert(
        "To: Ministry of Foreign Affairs\n\nFrom: Beijing\n\nChai [Junwu]:\n\n"
        "We have received your report. Please continue.\n\nZhou Enlai\n\n5 May 1960",
        title="Telegram from Zhou Enlai to Chai Junwu")
    assert xp(root, "//t:sp") == []
    assert xp(root, "string(//t:opener/t:salute)") == "Chai Junwu:"
    assert xp(root, "//t:list[@type='fields']/t:label/text()") == ["To:", "From:"]
    assert xp(root, "string(//t:closer/t:signed)") == "Zhou Enlai"
    assert xp(root, "//t:closer/t:dateline/t:date/@when") == ["1960-05-05"]


def test_hereafter_alias_and_role_label() -> None:
    root, _ = convert(
        "Participants on the Soviet side: Ambassador Ivan Petrov, Counselor Oleg Sidorov\n\n"
        "Vice Premier Li Fuchun (hereafter Li): Welcome.\n\nAmbassador: Thank you.\n\n"
        "Li: Let us begin.\n\nIvan Petrov: Agreed.")
    sp = speakers(root)
    assert sp[0][0] == sp[2][0]  # Li
    assert sp[1][0] == sp[3][0] == "#ivan-petrov"  # the Ambassador is Ivan Petrov
    assert xp(root, "//t:sp[1]/t:speaker/t:addName[@type='alias']/text()") == ["Li"]


def test_bracket_conventions() -> None:
    root, _ = convert(
        "Chen Yi: [I am] glad. Comrade Kim Il Sung [Kim Il-song] agrees. F[oreign] M[inistry] "
        "said [...] and [[N. P. Vasin?]] wrote [illegible] on □□□. [Translator's note: sic.] "
        "(two lines blacked out) [Section on trade not translated.] FENG XI [STALIN] [sic]\n\n"
        "Pak Il-u: Yes. (pointing to the map) (Laughter)\n\nChen Yi: Good.")
    assert xp(root, "//t:sp[1]//t:supplied/text()")[:3] == ["I am", "oreign", "inistry"]
    assert xp(root, "string(//t:choice/t:reg[@type='romanization'])") == "Kim Il-song"
    assert len(xp(root, "//t:gap[@reason='omitted']")) == 1
    assert xp(root, "string(//t:unclear[@cert='low'])") == "N. P. Vasin"
    assert xp(root, "//t:gap[@reason='illegible'][not(@unit)]/t:desc/text()") == ["illegible"]
    assert xp(root, "//t:gap[@unit='char']/@quantity") == ["3"]
    assert xp(root, "//t:note[@type='translator']/text()") == ["Translator's note: sic."]
    assert xp(root, "//t:gap[@reason='redacted']/@quantity") == ["2"]
    assert xp(root, "//t:gap[@reason='untranslated']/t:desc/text()") == [
        "Section on trade not translated."]
    assert xp(root, "//t:supplied[@reason='identification']/text()") == ["STALIN"]
    assert xp(root, "//t:note[@type='editorial']/text()") == ["sic"]
    assert xp(root, "//t:sp[2]//t:stage/text()") == ["pointing to the map", "Laughter"]


def test_page_break_join_only_for_lower_case_continuation() -> None:
    root, _ = convert("Chen Yi: We must not\n\nforget this.\n\nNew paragraph here\n\n"
                      "Another one.\n\nPak Il-u: Yes.\n\nChen Yi: No.")
    ps = xp(root, "//t:sp[1]/t:p")
    assert len(ps) == 3 and len(xp(ps[0], "t:pb")) == 1
    assert " ".join("".join(ps[0].itertext()).split()) == "We must not forget this."


def test_footnotes_at_anchor_and_unanchored_endnote() -> None:
    root, _ = convert("Chen Yi: First.[1] Second.\n\nPak Il-u: Fine.\n\nChen Yi: Yes.\n\n"
                      "[1] The first note.\n\n[2] A note without anchor.")
    assert xp(root, "//t:sp[1]/t:p/t:note[@place='foot']/@n") == ["1"]
    assert xp(root, "//t:div[@type='minutes']/t:note[@place='foot']/@n") == ["2"]


def test_distribution_forms() -> None:
    root, _ = convert("Text of the report.\n\nCopies made: 3\n1 - Minister\n2 - Archive\n"
                      "3 - File", title="Report on the Harvest")
    assert xp(root, "//t:div[@type='distribution']//t:measure/@quantity") == ["3"]
    assert len(xp(root, "//t:list[@type='distribution']/t:item")) == 3
    root, _ = convert("Chen Yi: Yes.\n\nPak Il-u: No.\n\nChen Yi: Fine.\n\n"
                      "CC: Zhou Enlai, Office (2), 2 file copies, 5 copies in total")
    assert xp(root, "//t:list[@type='distribution']/t:item/@n") == ["2", "2"]
    assert xp(root, "//t:list[@type='distribution']/t:trailer/t:measure/@quantity") == ["5"]


def test_endorsements_have_dates() -> None:
    root, _ = convert("Chen Yi: Yes.\n\nPak Il-u: No.\n\nChen Yi: Fine.\n\n"
                      "Received on 6 May 1960 □ Printed and distributed on 9 May 1960")
    assert xp(root, "//t:div[@type='endorsements']//t:date/@when") == ["1960-05-06", "1960-05-09"]


def test_letter_opener_and_closer() -> None:
    root, _ = convert(
        "Embassy of the Example Republic\nin Hanoi\n\nHanoi, 4 May 1960\n\nSubject: rice\n\n"
        "Dear Comrade Minister,\n\nThe harvest is good.\n\nWith comradely greetings,\n\n"
        "Jan Novak\nAmbassador", title="Letter from Ambassador Jan Novak")
    assert xp(root, "//t:div/@type")[0] == "letter"
    assert xp(root, "string(//t:opener/t:salute)") == "Dear Comrade Minister,"
    assert xp(root, "//t:opener/t:dateline/t:date/@when") == ["1960-05-04"]
    assert xp(root, "//t:opener/t:argument/t:list/t:label/text()") == ["Subject:"]
    assert xp(root, "string(//t:closer/t:salute)") == "With comradely greetings,"
    assert len(xp(root, "//t:closer/t:signed/t:lb")) == 1


def test_unknown_parenthesis_is_kept_and_reported() -> None:
    root, diags = convert("Chen Yi: The plan (in its second version) is ready.\n\n"
                          "Pak Il-u: Yes.\n\nChen Yi: Good.")
    assert "(in its second version)" in "".join(xp(root, "//t:sp[1]/t:p")[0].itertext())
    assert [(d.rule, d.line) for d in diags] == [("kept-as-text", 23)]


def test_unresolved_and_ambiguous_speakers_are_reported() -> None:
    root, diags = convert("The report says.\n\nKorea: the situation is calm.\n\nMore text.",
                          title="Report on the Situation")
    assert xp(root, "//t:sp") == []
    assert [(d.rule, d.line) for d in diags] == [("unresolved-speaker", 25)]
    root, diags = convert("Kim Il-su: One.\n\nKim Pyong-il: Two.\n\nKim: Three.\n\nKim Il-su: Four.")
    assert [d.rule for d in diags] == ["ambiguous-speaker"]
    assert len({w for w, _ in speakers(root)}) == 3


def test_sentence_ending_in_colon_is_not_a_salutation() -> None:
    root, _ = convert("Chen Yi: Yes.\n\nPak Il-u: No.\n\nChen Yi: The points are these.\n\n"
                      "The points are as follows:\n\nFirst, coal.\n\nPak Il-u: Agreed.")
    assert xp(root, "//t:floatingText") == []
    assert len(xp(root, "//t:sp")) == 4


def test_time_range_across_noon() -> None:
    root, _ = convert("Time: 11:30–1:00 p.m., 4 May 1960\n\nChen Yi: Yes.\n\nPak Il-u: No.\n\n"
                      "Chen Yi: Fine.")
    assert xp(root, "//t:creation/t:date[@from]/@from") == ["1960-05-04T11:30:00"]
    assert xp(root, "//t:creation/t:date[@from]/@to") == ["1960-05-04T13:00:00"]


def test_titles_before_names_and_whole_hours() -> None:
    root, _ = convert(
        "Time: 9 a.m., 12 March 1963\n\nPresent: Chinese Ambassador Hao Deqing, Comrade Pak "
        "Song-chol\n\nParticipants on the US side: Ambassador Smith; Mr. Jones, Counselor\n\n"
        "HAO DEQING: We are glad.\n\nPak Song-chol: Welcome.\n\nHAO: Thank you.\n\nJones: Yes.",
        date="March 12, 1963")
    assert xp(root, "//t:creation/t:date/@when") == ["1963-03-12T09:00:00"]
    ids = xp(root, "//t:person/@xml:id")
    assert {"hao-deqing", "pak-songchol", "smith", "jones"} <= set(ids)
    assert xp(root, "//t:person[@xml:id='hao-deqing']/t:persName/t:roleName/text()") == [
        "Chinese Ambassador"]


def test_one_letter_labels_are_not_completed_from_the_title() -> None:
    root, _ = convert("Q: When?\n\nA: In 1958.\n\nQ: And then?\n\nA: Hanoi.",
                      title="Interview with a Former Diplomat")
    assert sorted(xp(root, "//t:person/t:persName[1]/text()")) == ["A", "Q"]


def test_distribution_of_plain_lines_with_a_total_after_it() -> None:
    root, _ = convert("The report.\n\nDistribution:\nEmbassy Moscow\nDepartment of State (2)\n\n"
                      "3 copies made", title="Report on Trade")
    assert xp(root, "//t:list[@type='distribution']/t:item/text()") == [
        "Embassy Moscow", "Department of State (2)"]
    assert xp(root, "//t:div[@type='distribution']/t:p/t:measure/@quantity") == ["3"]


def test_postscript_after_the_signature() -> None:
    root, _ = convert("Prague, 3 May 1961\n\nDear Sir,\n\nI write about the visa.\n\n"
                      "Sincerely yours,\n\nJan Novak\n\nP.S. The visa is urgent.",
                      title="Letter from Jan Novak")
    assert xp(root, "string(//t:closer/t:signed)") == "Jan Novak"
    assert xp(root, "//t:div[@type='letter']/t:postscript/t:p/text()") == [
        "P.S. The visa is urgent."]


def test_capitalised_headings_open_sections_in_reports() -> None:
    root, _ = convert("The situation is calm.\n\nECONOMY\n\nThe harvest was good.\n\n"
                      "CONCLUSIONS\n\nNo action is needed.", title="Report on the Situation")
    assert xp(root, "//t:div[@type='section']/t:head/text()") == ["ECONOMY", "CONCLUSIONS"]
    assert xp(root, "//t:div[@type='section'][2]/t:p/text()") == ["No action is needed."]


def test_citation_variants_name_the_translators() -> None:
    for phrase, names in [
        ("Translated for CWIHP by Gary Goldberg.", ["Gary Goldberg"]),
        ("Translated from the Russian by V. S. Lagunov and A. Kim.", ["V. S. Lagunov", "A. Kim"]),
        ("Obtained by Shen Zhihua and translated by Jeffrey Wang and Charles Kraus.",
         ["Jeffrey Wang", "Charles Kraus"]),
        # one person named twice (or with and without diacritics) keeps one xml:id
        ("Translated by Han Tam and Hán Tam, and Ri Ok.", ["Han Tam", "Ri Ok"]),
    ]:
        citation = (f'"Record of a Conversation", May 4, 1960, Wilson Center Digital Archive, '
                    f"PRC FMA 106-00001-01, 1-4. {phrase} <https://digitalarchive.example.org/d/1>")
        root, _ = convert("Chen Yi: Yes.", citation=citation, title="Record of a Conversation")
        assert xp(root, "//t:respStmt/t:persName/text()") == names
        assert xp(root, "//t:msIdentifier/t:idno/text()") == ["PRC FMA 106-00001-01"]


def test_ordinal_dates() -> None:
    root, _ = convert("Chen Yi: Yes.", date="April 21st, 1962")
    assert xp(root, "//t:creation/t:date/@when") == ["1962-04-21"]


def test_contents_listing_several_items() -> None:
    text = export("Chen Yi: Yes.\n\nPak Il-u: No.\n\nChen Yi: Good.").replace(
        "Translation - English\n\n", "Original Scan\n\nTranslation - English\n\n")
    _, data, _ = convert_text(text, "x", "x.txt")
    root = etree.fromstring(data)
    assert "Original Scan" not in "".join(root.find(".//t:body", NS).itertext())
    assert len(xp(root, "//t:sp")) == 3


def test_date_from_the_citation_when_there_is_no_date_line() -> None:
    text = export("Chen Yi: Yes.").replace("**May 4, 1960**\n\n", "")
    _, data, diags = convert_text(text, "x", "x.txt")
    root = etree.fromstring(data)
    assert xp(root, "//t:creation/t:date/@when") == ["1960-05-04"]
    assert xp(root, "//t:msIdentifier/t:idno/text()") == ["PRC FMA 106-00001-01"]
    assert "no-date" in [d.rule for d in diags]
