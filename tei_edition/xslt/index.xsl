<?xml version="1.0" encoding="UTF-8"?>
<!--
  The corpus index. Input (built by render.py, not a TEI file):

    <corpus>
      <doc href="NAME.html" name="NAME" kind="minutes">  teiHeader (copied from the TEI)  </doc>
      …
    </corpus>

  Output: one table, documents in date order, grouped by year (undated ones last).
  render.py applies it to one <doc> for that document's row, and to an empty corpus (with
  doc-count) for the page around the rows, which it puts together from cached rows.
-->
<xsl:stylesheet version="1.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:tei="http://www.tei-c.org/ns/1.0"
    exclude-result-prefixes="tei">

  <xsl:include href="common.xsl"/>

  <xsl:output method="html" encoding="UTF-8" indent="no"/>

  <xsl:param name="css-href" select="'edition.css'"/>
  <xsl:param name="site-title" select="'Documents'"/>
  <!-- The number of documents, when the rows are put in by render.py (-1: count them). -->
  <xsl:param name="doc-count" select="-1"/>
  <xsl:variable name="n" select="(number($doc-count) &gt;= 0) * number($doc-count)
      + (number($doc-count) &lt; 0) * count(/corpus/doc)"/>

  <!-- Muenchian grouping by year: the first four characters of the sort date. -->
  <xsl:key name="by-year" match="doc[string(@date) != '']" use="substring(@date, 1, 4)"/>

  <xsl:template match="/corpus">
    <html lang="en">
      <head>
        <meta charset="utf-8"/>
        <meta name="viewport" content="width=device-width, initial-scale=1"/>
        <title><xsl:value-of select="$site-title"/></title>
        <link rel="stylesheet" href="{$css-href}"/>
        <!-- No icon: browsers would otherwise ask every server for /favicon.ico, and fail. -->
        <link rel="icon" href="data:,"/>
      </head>
      <body class="page-index">
        <header class="site-header">
          <h1><xsl:value-of select="$site-title"/></h1>
          <p class="count">
            <xsl:value-of select="$n"/>
            <xsl:text> document</xsl:text>
            <xsl:if test="$n != 1">s</xsl:if>
            <xsl:text>, in date order.</xsl:text>
          </p>
          <!-- A plain GET form: without JavaScript it still leads to the search page. -->
          <form class="search-form" role="search" action="search.html" method="get">
            <label for="q">Search the documents</label>
            <xsl:text> </xsl:text>
            <input type="search" id="q" name="q"/>
            <xsl:text> </xsl:text>
            <button type="submit">Search</button>
          </form>
          <nav class="site-nav" aria-label="Edition">
            <a href="persons/index.html">Persons</a>
            <xsl:text> </xsl:text>
            <a href="search.html">Search</a>
          </nav>
        </header>
        <main id="text">
          <table class="corpus">
            <caption class="visually-hidden">Documents by date</caption>
            <thead>
              <tr>
                <th scope="col">Date</th>
                <th scope="col">Title</th>
                <th scope="col">Kind</th>
                <th scope="col">Archive signature</th>
                <th scope="col">Participants</th>
              </tr>
            </thead>
            <xsl:for-each select="doc[string(@date) != ''][count(. | key('by-year', substring(@date, 1, 4))[1]) = 1]">
              <xsl:sort select="@date"/>
              <xsl:variable name="year" select="substring(@date, 1, 4)"/>
              <tbody>
                <tr class="year"><th colspan="5" scope="rowgroup" id="y{$year}"><xsl:value-of select="$year"/></th></tr>
                <xsl:apply-templates select="key('by-year', $year)">
                  <xsl:sort select="@date"/>
                  <xsl:sort select="@name"/>
                </xsl:apply-templates>
              </tbody>
            </xsl:for-each>
            <xsl:if test="doc[string(@date) = '']">
              <tbody>
                <tr class="year"><th colspan="5" scope="rowgroup" id="undated">Undated</th></tr>
                <xsl:apply-templates select="doc[string(@date) = '']">
                  <xsl:sort select="@name"/>
                </xsl:apply-templates>
              </tbody>
            </xsl:if>
          </table>
        </main>
      </body>
    </html>
  </xsl:template>

  <xsl:template match="doc">
    <xsl:variable name="h" select="tei:teiHeader"/>
    <xsl:variable name="title">
      <xsl:apply-templates mode="plain"
          select="$h/tei:fileDesc/tei:titleStmt/tei:title[@type='main' or not(@type)][1]"/>
    </xsl:variable>
    <tr>
      <td class="date">
        <!-- The normalised date (no clock time): the column is read down, as a sequence. -->
        <xsl:if test="string(@date) != ''">
          <xsl:call-template name="time-element">
            <xsl:with-param name="iso" select="substring(@date, 1, 10)"/>
          </xsl:call-template>
        </xsl:if>
      </td>
      <td class="title">
        <a href="{@href}">
          <xsl:choose>
            <xsl:when test="normalize-space($title) != ''"><xsl:value-of select="normalize-space($title)"/></xsl:when>
            <xsl:otherwise><xsl:value-of select="@name"/></xsl:otherwise>
          </xsl:choose>
        </a>
      </td>
      <td class="kind">
        <xsl:call-template name="kind-label"><xsl:with-param name="kind" select="@kind"/></xsl:call-template>
      </td>
      <td class="idno">
        <xsl:value-of select="normalize-space($h/tei:fileDesc/tei:sourceDesc/tei:msDesc/tei:msIdentifier/tei:idno[@type='archival'])"/>
      </td>
      <!-- As in the participants panel: speakers, the sides, others present, then staff
           (a stable sort on the group's rank keeps document order within each group). -->
      <td class="people">
        <xsl:for-each select="$h/tei:profileDesc/tei:particDesc/descendant::tei:person">
          <xsl:sort data-type="number" select="number(not(@role = 'speaker'))
              * (3 * number(contains(' interpreter recorder translator secretary stenographer note-taker ', concat(' ', @role, ' ')) and @role != '')
                 + number(not(contains(' interpreter recorder translator secretary stenographer note-taker ', concat(' ', @role, ' ')) and @role != ''))
                   * (1 + number(not(ancestor::tei:listPerson[@type = 'side' or (tei:head and not(@type = 'speakers'))]))))"/>
          <xsl:if test="position() &gt; 1"><xsl:text>; </xsl:text></xsl:if>
          <xsl:apply-templates select="." mode="person"/>
        </xsl:for-each>
      </td>
    </tr>
  </xsl:template>

  <!-- One name of the people column, linked to the person's page when it has one, with a
       role other than speaker or attendee in parentheses. -->
  <xsl:template match="tei:person" mode="person">
    <xsl:variable name="name">
      <xsl:call-template name="person-name"><xsl:with-param name="person" select="."/></xsl:call-template>
    </xsl:variable>
    <span class="person">
      <xsl:if test="@role = 'speaker'"><xsl:attribute name="class">person is-speaker</xsl:attribute></xsl:if>
      <xsl:choose>
        <xsl:when test="@te-page"><a href="{@te-page}"><xsl:value-of select="$name"/></a></xsl:when>
        <xsl:otherwise><xsl:value-of select="$name"/></xsl:otherwise>
      </xsl:choose>
      <xsl:if test="@role != 'speaker' and @role != 'attendee' and @role != ''">
        <xsl:value-of select="concat(' (', @role, ')')"/>
      </xsl:if>
    </span>
  </xsl:template>

</xsl:stylesheet>
