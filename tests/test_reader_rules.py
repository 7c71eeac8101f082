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
        "(two lines blacked out) [Section on trade not translated.] FENG XI [STALIN] in 1847 [sic]\n\n"
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
    assert xp(root, "//t:sic/text()") == ["1847"]
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


def test_unknown_parenthesis_standing_alone_is_kept_and_reported() -> None:
    root, diags = convert("Chen Yi: The plan is ready.\n\n(Continued overleaf)\n\n"
                          "Pak Il-u: Yes.\n\nChen Yi: Good.")
    assert "(Continued overleaf)" in "".join(xp(root, "//t:sp[1]/t:p")[1].itertext())
    assert [(d.rule, d.line) for d in diags] == [("kept-as-text", 25)]


def test_parentheses_in_prose_are_not_reported() -> None:
    root, diags = convert(
        "Chen Yi: The plan (in its second version) is ready. Ask Sato (Cabinet Secretary).\n\n"
        "Pak Il-u: Kim Il Sung (김일성) and Baatar (Баатар Дашдорж) agree with KIM (KIM).\n\n"
        "Chen Yi: Good. The marks (*) and (…) are odd.")
    assert "(in its second version)" in "".join(xp(root, "//t:sp[1]/t:p")[0].itertext())
    assert "(김일성)" in "".join(xp(root, "//t:sp[2]/t:p")[0].itertext())
    # Only the parentheses without a word deserve a look.
    assert [(d.rule, d.message[-3:]) for d in diags] == [("kept-as-text", "(*)"),
                                                          ("kept-as-text", "(…)")]


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


# ------------------------------------------------------------- bracket meanings (issue 13)


def _text(el: etree._Element) -> str:
    return " ".join("".join(el.itertext()).split())


def test_sic_marks_the_word_before_and_keeps_a_comment_as_editorial_note() -> None:
    root, diags = convert(
        "Chen Yi: It was paid in 1987 [sic; should read 1977]. The \"peoples's [sic]\" friend.\n\n"
        "Pak Il-u: [sic] begins this turn, and [sic!] stands after a comma here, [sic].\n\n"
        "Chen Yi: The [sick] child and the Sic river.")
    assert xp(root, "//t:sp[1]//t:sic/text()") == ["1987", "peoples's"]
    assert xp(root, "//t:sp[1]//t:sic[1]/following-sibling::*[1]/self::t:note[@type='editorial']"
                    "/text()") == ["should read 1977"]
    assert _text(xp(root, "//t:sp[1]/t:p")[0]).endswith('The "peoples\'s" friend.')
    # Nothing before the mark: an empty sic; a comma before it: the word before the comma.
    assert [_text(s) for s in xp(root, "//t:sp[2]//t:sic")] == ["", "and", "here"]
    # Negative: a bracket that is not exactly "sic", and the word outside brackets.
    assert xp(root, "//t:sp[3]//t:sic") == []
    assert xp(root, "//t:sp[3]//t:supplied/text()") == ["sick"]
    assert diags == []


def test_question_mark_makes_the_word_before_unclear() -> None:
    root, diags = convert("Chen Yi: They press [?] the army, and fear (?) it.\n\n"
                          "Pak Il-u: [?] Nothing before. He said \"no\" — [?] maybe.\n\n"
                          "Chen Yi: Is it [Kim?] or Pak? Yes.")
    assert xp(root, "//t:sp[1]//t:unclear/text()") == ["press", "fear"]
    assert _text(xp(root, "//t:sp[1]/t:p")[0]) == "They press the army, and fear it."
    # Negative: no word to doubt is no supplied "?" either, and is reported; "[Kim?]" stays
    # the uncertain reading it was.
    assert xp(root, "//t:sp[2]//t:supplied | //t:sp[2]//t:unclear") == []
    assert _text(xp(root, "//t:sp[2]/t:p")[0]) == '[?] Nothing before. He said "no" — [?] maybe.'
    assert [d.rule for d in diags] == ["kept-as-text", "kept-as-text"]
    assert xp(root, "//t:sp[3]//t:unclear/text()") == ["Kim"]


def test_editorial_remarks_are_notes_not_supplied_words() -> None:
    root, _ = convert(
        "Chen Yi: We say \"liaison\" [See the U.S. draft at Tab A.] and mean it [emphasis in "
        "the original]. Compare [cf. the note of 3 May].\n\n"
        "Pak Il-u: I will [see] to it. [Seeing] this, we [compare] the texts.\n\nChen Yi: Good.")
    assert xp(root, "//t:sp[1]//t:note[@type='editorial']/text()") == [
        "See the U.S. draft at Tab A.", "emphasis in the original", "cf. the note of 3 May"]
    # Negative: a single "see", and words that only begin like a remark, are supplied.
    assert xp(root, "//t:sp[2]//t:note") == []
    assert xp(root, "//t:sp[2]//t:supplied/text()") == ["see", "Seeing", "compare"]


def test_square_bracketed_stage_direction() -> None:
    root, _ = convert("Chen Yi: It will not be an embassy. [Laughter]\n\n[Applause]\n\n"
                      "Pak Il-u: The map [shows] the river. A[pplause].\n\nChen Yi: Yes.")
    assert xp(root, "//t:sp[1]//t:stage/text()") == ["Laughter", "Applause"]
    # Negative: a stage word in lower case is a supplied word ("[shows]", "A[pplause]").
    assert xp(root, "//t:sp[2]//t:stage") == []
    assert xp(root, "//t:sp[2]//t:supplied/text()") == ["shows", "pplause"]


def test_bracketed_status_line_standing_alone() -> None:
    root, _ = convert("[Not Reviewed by Premier Zhou]\n\nChen Yi: The [draft] treaty is "
                      "ready.\n\n[Uncorrected record – not for circulation]\n\nPak Il-u: Yes.\n\n"
                      "Chen Yi: The [not corrected] copy.")
    assert xp(root, "//t:note[@type='status']/text()") == [
        "Not Reviewed by Premier Zhou", "Uncorrected record – not for circulation"]
    # Negative: status words inside a sentence are supplied words.
    assert xp(root, "//t:sp//t:supplied/text()") == ["draft", "not corrected"]


def test_page_markers_inline_and_standing_alone() -> None:
    root, diags = convert(
        "Chen Yi: We must finish. [Page 178] The second point is trade.\n\n(p. 2)\n\n"
        "It continues my turn.\n\nPak Il-u: The harvest in the\n\n[p. 3]\n\nsouthern districts "
        "was poor.\n\n(p. iv)\n\nChen Yi: See the report (p. 1) and the (page) [pg] two.")
    assert xp(root, "//t:pb/@n") == ["178", "2", "3", "iv"]
    # A lone marker neither ends the turn nor stands in a paragraph of its own.
    assert len(xp(root, "//t:sp")) == 3
    assert len(xp(root, "//t:sp[1]/t:p")) == 2 and xp(root, "//t:sp[1]/t:pb/@n") == ["2"]
    # A paragraph cut by a lone marker continues, with the break where it was.
    assert xp(root, "//t:sp[2]/t:p/t:pb/@n") == ["3"]
    assert _text(xp(root, "//t:sp[2]/t:p")[0]) == "The harvest in the southern districts was poor."
    # Negative: a page cited in a sentence, and "page" without a number, are text.
    assert "(p. 1)" in _text(xp(root, "//t:sp[3]/t:p")[0])
    assert xp(root, "//t:sp[3]//t:supplied/text()") == ["pg"]
    assert diags == []


def test_page_marker_after_the_signature_is_a_page_break_not_a_trailer() -> None:
    root, _ = convert("The harvest is good.\n\nJan Novak\nAmbassador\n\n[Page 2]\n\nNo. 12/c",
                      title="Report on the Harvest")
    assert xp(root, "//t:div/t:pb/@n") == ["2"]
    assert xp(root, "//t:trailer/text()") == ["No. 12/c"]


def test_footnote_numbers_glued_to_names() -> None:
    root, _ = convert(
        "Yesterday I met Deputy Minister NGUYEN VAN AN1 and the chargé Borodin2. "
        "The MiG15 and TU3 are aircraft; AN1 was met once.\n\nI propose caution.\n\n"
        "LISOWSKI\n\n[1] Nguyen Van An, Deputy Minister from 1964.\n\n[2] Pavel Borodin, "
        "counsellor.\n\nNo. 318/sh\nTyped by Salnikova",
        title="Ciphergram from the Polish Embassy in Hanoi")
    notes = xp(root, "//t:note[@place='foot']")
    assert [n.get("n") for n in notes] == ["1", "2"]
    assert _text(notes[0]) == "Nguyen Van An, Deputy Minister from 1964."
    p = xp(root, "//t:body//t:p")[0]
    # The anchors stand at their words; a model name, a number without a note and a second
    # occurrence stay as written.
    assert _text(p).startswith("Yesterday I met Deputy Minister NGUYEN VAN AN") \
        and "MiG15 and TU3" in _text(p) and "AN1 was met once" in _text(p)
    assert [n.get("n") for n in xp(p, "t:note")] == ["1", "2"]
    # The note texts stood before the registry lines, which stay trailers.
    assert xp(root, "//t:trailer/text()") == ["No. 318/sh", "Typed by Salnikova"]


def test_glued_numbers_without_notes_are_text() -> None:
    root, _ = convert("The ANTONOV2 flew and the Krajewski1 report came.",
                      title="Report on Aviation")
    assert xp(root, "//t:note") == []
    assert "ANTONOV2 flew and the Krajewski1 report" in _text(xp(root, "//t:body//t:p")[0])


def test_person_ids_in_any_script() -> None:
    root, _ = convert("Participants: 김일성, Баатар Дашдорж, 周恩来, Tömör Lkhagva\n\n"
                      "김일성: Welcome.\n\nБаатар Дашдорж: Thank you.\n\n周恩来: Please.")
    ids = xp(root, "//t:particDesc//t:person/@xml:id")
    assert ids[:4] == ["gim-ilseong", "baatar-dashdorzh", "zhou-enlai", "tomor-lkhagva"]
    assert not any(i.startswith("p-") for i in ids)


def test_older_citation_with_the_comma_inside_the_quotes_gives_title_and_signature() -> None:
    text = ('\n\n**June 1, 1957**\n\n**Citation:**\n\n"Journal of Ambassador Ivan Example for '
            '1 June 1957," June 1, 1957, History and Public Policy Program Digital Archive, AVPRF '
            "f. 0102, op. 13, p. 72, d. 5, ll. 128-150. Translated by Ann Example.\n\n"
            "**Original Language:**\n\nRussian\n\n**Contents:**\n\nTranslation - English\n\n"
            "I received the counsellor.\n")
    _, data, _ = convert_text(text, "old", "old.txt")
    root = etree.fromstring(data)
    assert xp(root, "string(//t:titleStmt/t:title[@type='main'])") == \
        "Journal of Ambassador Ivan Example for 1 June 1957"
    assert xp(root, "string(//t:idno[@type='archival'])") == "AVPRF f. 0102, op. 13, p. 72, d. 5"
    assert xp(root, "//t:locus/@to") == ["150"]


def test_sic_marks_in_any_case_and_by_hint_lose_no_word() -> None:
    from tei_edition.readers.hints import parse_hints
    from tei_edition.verify import verify_text

    src = export("Chen Yi: We paid 1987 [sic!!] for it and 1955 [Sic, read 1956] too.\n\n"
                 "Pak Il-u: The [Sic transit] motto.\n\nChen Yi: Good.")
    hints = parse_hints('[brackets]\n"[Sic, read 1956]" = "sic"\n', "h.toml")
    for given in (None, hints):
        _, data, _ = convert_text(src, "t", "t.txt", hints=given)
        tree = etree.ElementTree(etree.fromstring(data))
        assert xp(tree.getroot(), "//t:sp[1]//t:sic/text()") == ["1987", "1955"]
        # Only the comment is the editor's note: "sic" itself is regenerated.
        assert xp(tree.getroot(), "//t:sp[1]//t:note/text()") == ["read 1956"]
        assert verify_text(src, tree, "t.txt", "t.xml") == []
    # Negative: a bracket that only begins with the word is no sic mark.
    assert xp(tree.getroot(), "//t:sp[2]//t:sic") == []
