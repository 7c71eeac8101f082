<?xml version="1.0" encoding="UTF-8"?>
<!--
  Helpers shared by document.xsl and index.xsl (XSLT 1.0, run by lxml/libxslt).

  Everything here treats TEI content as untrusted: values only ever reach the output as
  text nodes or attribute values (which the HTML serialiser escapes), and link targets
  pass through `safe-href` first.
-->
<xsl:stylesheet version="1.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:tei="http://www.tei-c.org/ns/1.0"
    exclude-result-prefixes="tei">

  <!-- No global variables here: libxslt evaluates every global before each transformation,
       used or not, so constant strings (alphabets, month names) are written where used. -->

  <!-- A link target, or nothing when it is not http(s), relative or a fragment.
       Browsers drop tabs and newlines inside URLs ("java&#9;script:"), so any white space
       inside the value disqualifies it; a colon before the first / ? # or \ is a scheme.
       Speed: translate() costs libxml2 a scan of its map per character, so it only ever
       sees the first 8 characters (letter case of "https://") and the part before the
       first colon, never the whole URL. -->
  <xsl:template name="safe-href">
    <xsl:param name="url"/>
    <xsl:variable name="u" select="normalize-space($url)"/>
    <xsl:choose>
      <xsl:when test="$u = '' or contains($u, ' ')"/>
      <!-- The usual case first: a lower-case http(s) URL needs no further test. -->
      <xsl:when test="starts-with($u, 'https://') or starts-with($u, 'http://')"><xsl:value-of select="$u"/></xsl:when>
      <xsl:otherwise>
        <!-- "a/b:c" is a relative path: a / ? # or \ before the first colon means no scheme. -->
        <xsl:variable name="before-colon" select="substring-before($u, ':')"/>
        <xsl:if test="not(contains($u, ':'))
                      or translate($before-colon, '/?#\', '') != $before-colon
                      or starts-with(translate(substring($u, 1, 8), 'HTPS', 'htps'), 'http://')
                      or starts-with(translate(substring($u, 1, 8), 'HTPS', 'htps'), 'https://')">
          <xsl:value-of select="$u"/>
        </xsl:if>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <!-- `lang` from @xml:lang, only when it looks like a BCP 47 tag (letters, digits, hyphens). -->
  <xsl:template match="@xml:lang" mode="lang">
    <xsl:if test="normalize-space(.) != '' and translate(normalize-space(.),
                  'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-', '') = ''">
      <xsl:attribute name="lang"><xsl:value-of select="normalize-space(.)"/></xsl:attribute>
    </xsl:if>
  </xsl:template>

  <!-- "1962-04-21T16:00:00" as "21 April 1962, 16:00"; only for the shapes time-element
       accepts as an HTML datetime (it checks the shape once for both uses). -->
  <xsl:template name="format-iso">
    <xsl:param name="iso"/>
    <xsl:variable name="length" select="string-length($iso)"/>
    <xsl:if test="$length &gt;= 10">
      <xsl:value-of select="number(substring($iso, 9, 2))"/>
      <xsl:text> </xsl:text>
    </xsl:if>
    <xsl:if test="$length &gt;= 7">
      <xsl:value-of select="substring-before(substring-after('|01January|02February|03March|04April|05May|06June|07July|08August|09September|10October|11November|12December|', concat('|', substring($iso, 6, 2))), '|')"/>
      <xsl:text> </xsl:text>
    </xsl:if>
    <xsl:value-of select="substring($iso, 1, 4)"/>
    <xsl:if test="$length &gt;= 16">
      <xsl:text>, </xsl:text>
      <xsl:value-of select="substring($iso, 12, 5)"/>
    </xsl:if>
  </xsl:template>

  <!-- The context TEI date (@when or @from/@to) as <time> elements; its own text wins when
       it has one. -->
  <xsl:template name="date-display">
    <xsl:choose>
      <xsl:when test="@when">
        <xsl:call-template name="time-element">
          <xsl:with-param name="iso" select="string(@when)"/>
          <xsl:with-param name="label" select="normalize-space(.)"/>
        </xsl:call-template>
      </xsl:when>
      <xsl:when test="normalize-space(.) != '' and (@from or @to)">
        <xsl:value-of select="normalize-space(.)"/>
      </xsl:when>
      <xsl:when test="@from or @to">
        <xsl:call-template name="time-element">
          <xsl:with-param name="iso" select="string(@from)"/>
        </xsl:call-template>
        <xsl:text> – </xsl:text>
        <xsl:call-template name="time-element">
          <xsl:with-param name="iso" select="string(@to)"/>
        </xsl:call-template>
      </xsl:when>
      <xsl:otherwise><xsl:value-of select="normalize-space(.)"/></xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <!-- An ISO 8601 value as <time datetime> with `label` (or the value formatted) as its text;
       shapes HTML does not accept as a datetime are shown as given, without <time>.
       translate() is costly in libxml2, so the shape is computed once here. -->
  <xsl:template name="time-element">
    <xsl:param name="iso"/>
    <xsl:param name="label" select="''"/>
    <xsl:variable name="shape" select="translate($iso, '0123456789', '9999999999')"/>
    <xsl:choose>
      <xsl:when test="$shape = '9999-99-99T99:99:99' or $shape = '9999-99-99' or $shape = '9999'
                      or $shape = '9999-99' or $shape = '9999-99-99T99:99'">
        <time datetime="{$iso}">
          <xsl:choose>
            <xsl:when test="$label != ''"><xsl:value-of select="$label"/></xsl:when>
            <xsl:otherwise>
              <xsl:call-template name="format-iso"><xsl:with-param name="iso" select="$iso"/></xsl:call-template>
            </xsl:otherwise>
          </xsl:choose>
        </time>
      </xsl:when>
      <xsl:when test="$label != ''"><xsl:value-of select="$label"/></xsl:when>
      <xsl:otherwise><xsl:value-of select="$iso"/></xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <!-- "minutes" as "Minutes". -->
  <xsl:template name="kind-label">
    <xsl:param name="kind"/>
    <xsl:value-of select="concat(translate(substring($kind, 1, 1), 'abcdefghijklmnopqrstuvwxyz', 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'), substring($kind, 2))"/>
  </xsl:template>

  <!-- Plain text of a name or title: first reading of a choice, supplied text in brackets,
       no notes. Used for <title>, attribute values and the index. -->
  <xsl:template match="tei:choice" mode="plain">
    <xsl:apply-templates select="(tei:orig | tei:abbr | tei:sic | tei:reg | tei:expan | tei:corr)[1]"
        mode="plain"/>
  </xsl:template>
  <xsl:template match="tei:note | tei:desc" mode="plain"/>
  <xsl:template match="tei:supplied" mode="plain">
    <xsl:text>[</xsl:text><xsl:apply-templates mode="plain"/><xsl:text>]</xsl:text>
  </xsl:template>
  <xsl:template match="tei:unclear" mode="plain">
    <xsl:apply-templates mode="plain"/><xsl:text>?</xsl:text>
  </xsl:template>
  <xsl:template match="tei:gap" mode="plain"><xsl:text>[…]</xsl:text></xsl:template>
  <xsl:template match="tei:lb" mode="plain"><xsl:text> </xsl:text></xsl:template>

  <!-- The name a person is listed under: the first persName that is not a bare label. -->
  <xsl:template name="person-name">
    <xsl:param name="person"/>
    <xsl:variable name="name">
      <xsl:choose>
        <xsl:when test="$person/tei:persName[not(@type='label')]">
          <xsl:apply-templates select="$person/tei:persName[not(@type='label')][1]" mode="plain"/>
        </xsl:when>
        <xsl:otherwise>
          <xsl:apply-templates select="$person/tei:persName[1]" mode="plain"/>
        </xsl:otherwise>
      </xsl:choose>
    </xsl:variable>
    <xsl:value-of select="normalize-space($name)"/>
  </xsl:template>

  <!-- A gap's extent: "line"/2 as "2 lines", "char"/1 as "1 character", "section" alone as
       "section". One XPath evaluation (substring(s, 1, 0) is ""), not one per part. -->
  <xsl:template name="extent">
    <xsl:value-of select="concat(@quantity, substring(' ', 1, number(@quantity and @unit)),
                                 substring('character', 1, 9 * number(@unit = 'char')),
                                 substring(@unit, 1, string-length(@unit) * number(@unit != 'char')),
                                 substring('s', 1, number(@unit and @quantity and @quantity != 1)))"/>
  </xsl:template>

</xsl:stylesheet>
