"""The block and people rules for the layouts of the real archive, one phenomenon each,
with the case each rule must leave alone."""

from __future__ import annotations

from docs import convert, speakers, xp
from tei_edition.readers.flattened import inline_labels, is_flattened

TELEGRAM = "Ciphered Telegram from Ambassador Ivan Petrov"
TURNS = "Chen Yi: Welcome.\n\nPak Il-u: Thank you.\n\nChen Yi: Please sit down."


def test_distribution_at_the_top_ends_at_its_own_line() -> None:
    root, _ = convert(
        "From: PEKING\n\nCopies made - 6: Molotov - 2, Bulganin-1, Malenkov x 2, file (1)\n\n"
        "Today Zhou Enlai received me. He said that the talks would go on.\n\nPETROV",
        title=TELEGRAM)
    assert xp(root, "//t:div[@type='distribution']//t:item/@n") == ["2", "2"]
    assert len(xp(root, "//t:div[@type='distribution']//t:item")) == 4
    assert xp(root, "//t:div[@type='distribution']//t:measure/@quantity") == ["6"]
    # The telegram follows outside the list, in the text division.
    assert "Zhou Enlai received me" in xp(root, "string(//t:div[@type='text'])")
    assert "received me" not in xp(root, "string(//t:div[@type='distribution'])")


def test_head_only_list_takes_marked_lines_and_stops_at_prose() -> None:
    root, _ = convert(
        "Produced in 3 copies for:\n\n- Comrade Vándor\n\n- Embassy\n\n- File\n\n"
        "Subject: the factories\n\nOn 12 May the staff visited the textile mill in the city.",
        title="Report of the Hungarian Embassy")
    assert len(xp(root, "//t:list[@type='distribution']/t:item")) == 3
    assert xp(root, "//t:div[@type='distribution']//t:measure/@quantity") == ["3"]
    assert "textile mill" not in xp(root, "string(//t:div[@type='distribution'])")


def test_final_list_keeps_its_continuation_paragraph() -> None:
    root, _ = convert(TURNS + "\n\nCC: Zhou Enlai, Chen Yi, Office (4)\n\n"
                      "Protocol, Archive, 2 file copies, 9 copies in total")
    assert len(xp(root, "//t:list[@type='distribution']/t:item")) == 6
    assert xp(root, "//t:list[@type='distribution']/t:trailer/t:measure/@quantity") == ["9"]


def test_prose_mentioning_copies_is_no_list() -> None:
    root, _ = convert("Copies of the treaty were sent to Moscow and to Warsaw on the same day, "
                      "and nobody in the ministry asked why.\n\n" + TURNS)
    assert xp(root, "//t:div[@type='distribution']") == []


def test_label_alone_takes_the_paragraph_below() -> None:
    root, _ = convert("Date and Time:\n\n4 May 1960, 3 p.m.\n\nLocation:\nGuest House\n\n" + TURNS)
    items = [" ".join(i.split()) for i in
             (x.xpath("string()") for x in xp(root, "//t:list[@type='participants']/t:item"))]
    assert items == ["Date and Time: 4 May 1960, 3 p.m.", "Location: Guest House"]
    assert xp(root, "//t:creation/t:date/@when") == ["1960-05-04T15:00:00"]


def test_label_alone_does_not_take_a_long_paragraph() -> None:
    long = "The conversation began with an exchange of views on the harvest, " * 3
    root, _ = convert("Location:\n\n" + long + "\n\n" + TURNS)
    assert "harvest" not in xp(root, "string(//t:list[@type='participants'])")


def test_people_labels_groups_and_other_scripts() -> None:
    root, _ = convert(
        "Korean guests:\n\nLee Sung-ho (이성호), Vice Chairman; Cho Min-chol, Ambassador\n\n"
        "Participants:\n\nFrom Prague\nNOVÁK Karel Deputy Premier\nHORA Jiří Head of Department\n\n"
        "From Pyongyang\nKIM Yong-nam Interpreter\n\n"
        "NOVÁK Karel: Welcome.\n\nLee Sung-ho: Thank you.\n\nNOVÁK Karel: Please.")
    names = {" ".join(p.xpath("string(t:persName[1])", namespaces={"t": "http://www.tei-c.org/ns/1.0"}).split())
             for p in xp(root, "//t:person")}
    assert {"Vice Chairman Lee Sung-ho", "Ambassador Cho Min-chol", "Deputy Premier NOVÁK Karel",
            "Head of Department HORA Jiří", "Interpreter KIM Yong-nam"} <= names
    assert xp(root, "//t:person[@xml:id='lee-sungho']/t:persName/text()")[-1] == "이성호"
    assert xp(root, "//t:person[@xml:id='kim-yongnam']/@role") == ["interpreter"]


def test_a_noun_of_people_needs_to_end_the_label() -> None:
    root, _ = convert("Persons responsible for the harvest: the county committees.\n\n" + TURNS)
    assert xp(root, "//t:list[@type='participants']") == []


def test_bulleted_participants_before_the_turns() -> None:
    root, _ = convert(
        "  • Kwan Teh-ming, Minister of Foreign Affairs\n  • Paul Harwell, Assistant to the "
        "President\n  • Ruth Amberley, Notetaker\n\nFM Kwan: Shall we begin?\n\n"
        "Dr. Harwell: Please.\n\nFM Kwan: Good.")
    assert [w for w, _ in speakers(root)] == ["#kwan-tehming", "#paul-harwell", "#kwan-tehming"]
    assert xp(root, "//t:person[@xml:id='ruth-amberley']/@role") == ["recorder"]
    assert len(xp(root, "//t:list[@type='participants']/t:item")) == 3


def test_bullets_without_a_conversation_stay_a_list() -> None:
    root, _ = convert("  • Kwan Teh-ming, Minister\n  • Paul Harwell, Assistant\n\n"
                      "The two sides agreed on the text.", title="Report on the Communique")
    assert xp(root, "//t:list[@type='participants']") == []
    assert xp(root, "//t:person") == []


def test_labels_name_the_listed_person() -> None:
    root, _ = convert(
        "Present: Dimitar Stoyanov, Member of the Politburo; Pak Song-il, Vice Premier\n\n"
        "D. STOYANOV: Welcome.\n\nNorth (PAK): Thank you.\n\nDIMITAR STOYANOV: Please.")
    assert [w for w, _ in speakers(root)] == ["#dimitar-stoyanov", "#pak-songil", "#dimitar-stoyanov"]


def test_initials_that_fit_no_one_make_a_new_person() -> None:
    root, _ = convert(
        "Present: Dimitar Stoyanov\n\nK. STOYANOV: Welcome.\n\nPak Il-u: Thank you.\n\n"
        "K. STOYANOV: Please.")
    assert speakers(root)[0][0] != "#dimitar-stoyanov"


def test_alias_phrasings_and_the_alias_label_with_a_full_stop() -> None:
    root, _ = convert(
        "Vice Premier Lin Zhaoheng (hereafter abbreviated Lin): Welcome.\n\n"
        "Comrade Baatar Dashdorj [henceforth referred to as Dashdorj]. Thank you.\n\n"
        "Lin: Please.\n\nDashdorj: Agreed.")
    sp = speakers(root)
    assert [w for w, _ in sp] == ["#lin-zhaoheng", "#baatar-dashdorj", "#lin-zhaoheng",
                                  "#baatar-dashdorj"]
    assert xp(root, "//t:sp[2]/t:p/text()") == ["Thank you."]


def test_a_sentence_with_a_bracket_is_no_alias_label() -> None:
    root, _ = convert("The ministry [henceforth the Ministry]. It answered late.\n\n" + TURNS)
    assert len(xp(root, "//t:sp")) == 3
    assert "ministry" in xp(root, "string(//t:div/t:p[1])")


def test_person_introduced_in_the_text() -> None:
    root, _ = convert(
        "Today I was received by Minister Dashiin Tserendorj (Дашийн Цэрэндорж) "
        "(hereafter: Tserendorj).\n\nTserendorj: Welcome.\n\nPetrov: Thank you.\n\n"
        "Tserendorj: Please.", title=TELEGRAM)
    assert speakers(root)[0][0] == "#dashiin-tserendorj"


def test_transmission_log_lines_are_fields() -> None:
    root, _ = convert("From: PEKING\n\nSent by wire on 9.III.51 at 02:40\n\n"
                      "Received in Moscow on 9.III.51 at 08:15\n\nThe talks went on.",
                      title=TELEGRAM)
    assert xp(root, "//t:list[@type='fields']/t:label/text()") == ["From:", "Sent", "Received"]
    assert "1951-03-09" in xp(root, "//t:list[@type='fields']//t:date/@when")


def test_a_sentence_starting_with_received_is_no_field() -> None:
    root, _ = convert("From: PEKING\n\nReceived the delegation and talked with them for an "
                      "hour about the harvest of 1951.", title=TELEGRAM)
    assert xp(root, "//t:list[@type='fields']/t:label/text()") == ["From:"]


def test_letter_address_salutation_and_valediction() -> None:
    root, _ = convert(
        "Pyongyang, 6 October 1976\n\nMinistry for Foreign Affairs\n\nComrade Werner Ebersbach\n\n"
        "B e r l i n\n\nDear Comrade Ebersbach!\n\nThank you for the materials.\n\n"
        "With socialist greetings\n\nGäbler\n\nchargé d'affaires a.i.",
        title="Letter from Ambassador Gäbler to Comrade Ebersbach")
    assert xp(root, "//t:opener/t:seg[@type='address']/t:lb") != []
    assert xp(root, "string(//t:opener/t:salute)") == "Dear Comrade Ebersbach!"
    assert xp(root, "string(//t:closer/t:salute)") == "With socialist greetings"
    assert "chargé d'affaires a.i." in xp(root, "string(//t:closer/t:signed)")
    assert xp(root, "//t:floatingText") == []


def test_exclamation_in_the_text_is_no_salutation() -> None:
    root, _ = convert("Dear me, what a day it has been for all of us in the embassy!\n\n" + TURNS)
    assert xp(root, "//t:salute") == []


def test_flattened_text_is_cut_at_its_labels() -> None:
    root, diags = convert(
        "Record of Conversation. Present: Karel Pospisil, Secretary; Interpreter: Wu Lanfang. "
        "After greetings the Ambassador began. J. BRODSKY: Our government has received the "
        "statements. GU SHENGWU: The press writes what it is told. J. BRODSKY: Will the talks\n"
        "take place? GU SHENGWU: We are ready. K. POSPISIL: May we inform Prague? GU SHENGWU: "
        "You may.", title="Record of Conversation between Jaroslav Brodsky and Gu Shengwu")
    assert len(xp(root, "//t:sp")) == 6
    assert [w for w, _ in speakers(root)][:2] == ["#jaroslav-brodsky", "#gu-shengwu"]
    assert speakers(root)[4][0] == "#karel-pospisil"
    assert "After greetings the Ambassador began." in xp(root, "//t:div/t:p/text()")
    assert [d.rule for d in diags].count("layout-flattened") == 1


def test_labels_at_line_starts_are_not_flattened() -> None:
    assert not is_flattened(["Dr. Harwell: Please.", "D. STOYANOV: Welcome. We agree.",
                             "Dr. Harwell: Good. Thank you.", "D. STOYANOV: Yes."])
    assert inline_labels("Dr. Harwell: Please.") == []
    assert inline_labels("I will not keep you long today. FM Bae: Thank you.") == ["FM Bae"]


def test_initials_lookups_take_any_token_list() -> None:
    from tei_edition.readers.people import PersonRegistry, full_name_from_initials
    from tei_edition.readers.vocab import load_vocabulary

    registry = PersonRegistry(load_vocabulary())
    registry.add("Karel Pospisil", "attendee")
    assert registry.by_initials([]) is None and registry.by_initials(["K."]) is None
    assert registry.by_initials(["K.", "POSPISIL"]).name == "Karel Pospisil"
    assert full_name_from_initials([], "Talks") is None


def test_flattened_memo_with_mixed_case_labels_and_short_lines() -> None:
    """Hard-wrapped prose is joined; a heading, a label alone and bulleted names keep their
    lines; labels in mixed case count, and a title before a known label goes with it."""
    root, diags = convert(
        "MEMORANDUM FOR THE RECORD\nPresent:\n- Deputy Minister Park Jin-ho\n- Ambassador Ellen Ross\n"
        "The Ambassador arrived at the ministry shortly before noon on June 2 and\n"
        "left at 1:15 p.m. Deputy Minister Park: We have read the note with attention and\n"
        "we disagree with its second point. Ambassador Ross: The note is final. (Laughter) Park:\n"
        "Then we will answer in writing. Ross: That is acceptable. The talk ended at once.",
        title="Memorandum of a Talk between Park Jin-ho and Ellen Ross")
    assert "layout-flattened" in [d.rule for d in diags]
    assert [s for _, s in speakers(root)] == ["Deputy Minister Park", "Ambassador Ross", "Park",
                                             "Ross"]
    assert [w for w, _ in speakers(root)] == ["#park-jinho", "#ellen-ross"] * 2
    assert xp(root, "//t:head/text()") == ["MEMORANDUM FOR THE RECORD"]
    assert "left at 1:15 p.m." in xp(root, "string(//t:div/t:p[1])")


def test_office_names_and_honorifics_are_no_people_or_roles() -> None:
    root, _ = convert(
        "Present: From the Mongolian side – Comrades Baatar Dashdorj (Баатар Дашдорж), Secretary "
        "of the MPRP CC, and Tsend Ochirbat, Ambassador; interpreter Pak Yong-il\n\n"
        "Dashdorj: Welcome.\n\nOchirbat: Thank you.\n\nDashdorj: Please.")
    assert "cc" not in xp(root, "//t:person/@xml:id")
    assert xp(root, "string(//t:person[@xml:id='baatar-dashdorj']/t:persName[1]/t:roleName)") == \
        "Secretary of the MPRP CC"
    assert "Баатар Дашдорж" in xp(root, "//t:person[@xml:id='baatar-dashdorj']/t:persName/text()")
    assert xp(root, "//t:person[@xml:id='pak-yongil']/@role") == ["interpreter"]


def test_name_first_lines_and_introduced_persons_keep_other_scripts() -> None:
    root, _ = convert(
        "Participants:\n\nFrom Pyongyang\nPAK Song-il (박성일) Vice Premier\nRI Tong-gun Assistant\n\n"
        "Yesterday Minister Dashiin Tserendorj (Дашийн Цэрэндорж) (hereafter: Tserendorj) came.\n\n"
        "North (PAK): Welcome.\n\nTserendorj: Thank you.\n\nNorth (RI): Please.")
    assert "박성일" in xp(root, "//t:person[@xml:id='pak-songil']/t:persName/text()")
    assert "Дашийн Цэрэндорж" in xp(root, "//t:person[@xml:id='dashiin-tserendorj']/t:persName/text()")


def test_a_range_of_hours_after_the_date() -> None:
    from tei_edition.readers.dates import find_dates

    def ranges(text: str) -> list[tuple[str | None, str | None, str | None]]:
        return [(d.when, d.from_, d.to) for d in find_dates(text)]

    assert ranges("Dec. 2, 1972 14:00-16:35") == [
        (None, "1972-12-02T14:00:00", "1972-12-02T16:35:00")]
    assert ranges("18 November 1959 from 10:00 to 11:15") == [
        (None, "1959-11-18T10:00:00", "1959-11-18T11:15:00")]
    assert ranges("March 3, 1973, 3:05–6:20 p.m.") == [
        (None, "1973-03-03T15:05:00", "1973-03-03T18:20:00")]
    # Not a range: impossible hours, a count after the date, a single time.
    assert ranges("4 May 1960, 25:00-26:00") == [("1960-05-04", None, None)]
    assert ranges("2 May 1960 10-12 people") == [("1960-05-02", None, None)]
    assert ranges("8 March 1951 at 02:40") == [("1951-03-08T02:40:00", None, None)]
    root, _ = convert("Date and Time:\nMay 4, 1960 14:00-16:35\n\n" + TURNS)
    assert xp(root, "//t:creation/t:date[@from]/@from") == ["1960-05-04T14:00:00"]


def test_letter_spaced_heading_and_its_lower_case_continuation() -> None:
    root, _ = convert("S T E N O G R A P H I C   R E C O R D\n\nof the talks held on 11 June 1968\n\n"
                      + TURNS)
    assert xp(root, "//t:head/text()") == ["S T E N O G R A P H I C   R E C O R D",
                                           "of the talks held on 11 June 1968"]
    assert xp(root, "//t:pb") == []


def test_a_sentence_after_a_heading_is_no_continuation() -> None:
    root, _ = convert("RECORD OF THE TALKS\n\nthe delegation arrived late, and the talks began at noon.\n\n"
                      + TURNS)
    assert xp(root, "//t:head/text()") == ["RECORD OF THE TALKS"]
    assert "the delegation arrived late" in xp(root, "string(//t:div/t:p[1])")


def test_flattened_closing_narrative_and_recorder_line() -> None:
    root, _ = convert(
        "Present: Karel Pospisil, Secretary. After greetings the Ambassador began. J. BRODSKY: Our "
        "government asks. GU SHENGWU: We are ready. K. POSPISIL: May we inform Prague? GU SHENGWU: "
        "You may. J. BRODSKY: Thank you. At the end of the conversation Deputy Minister Gu sent his "
        "greetings. Recorded by: K. Pospisil",
        title="Record of Conversation between Jaroslav Brodsky and Gu Shengwu")
    last = xp(root, "//t:sp")[-1]
    assert "greetings" not in "".join(last.itertext())
    assert "At the end of the conversation" in xp(root, "string(//t:div/t:p[last()])")
    assert xp(root, "//t:item[t:label='Recorded by:']/t:persName/@ref") == ["#karel-pospisil"]
